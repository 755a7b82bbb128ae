/** Pixel bytes to floats: [0, 1] (x/255, as torchvision's ToTensor) or [−1, 1] (2x/255 − 1). */
export function bytesToPixels(bytes: Uint8Array, scale: 'unit' | 'symmetric'): Float32Array {
  const out = new Float32Array(bytes.length);
  if (scale === 'unit') for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  else for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] / 255) * 2 - 1;
  return out;
}
