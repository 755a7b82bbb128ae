// A separation plugin: all weight on the highest score (first on ties). See docs/plugins.md.
export const separations = {
  hardmax: (scores) => {
    const p = new Float32Array(scores.length);
    let k = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[k]) k = i;
    p[k] = 1;
    return p;
  },
};
