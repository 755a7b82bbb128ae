/**
 * The built-in similarity, separation and corruption names, without the schema: a worker thread
 * checks plugin names against them without loading zod (0.1 s of every worker's start).
 */
export const similarityNames = ['dot', 'l1', 'l2', 'cosine'] as const;
export const separationNames = ['softmax', 'sparsemax', 'entmax15', 'entmax', 'poly', 'topk', 'random-mask', 'softmax1'] as const;
export const corruptionTypes = ['dropout', 'mask', 'gaussian', 'gaussian-norm', 'none'] as const;
