/** Types of ./dist.mjs: whether the compiled dist/ matches the sources. */
export declare const projectRoot: string;
export interface SourceStamp {
  sha256: string;
  takenAt: number;
  files: Record<string, [size: number, mtimeMs: number]>;
}
export declare const RACY_MS: number;
export declare function newestSourceChange(root?: string): number;
export declare function stampPath(root?: string): string;
export declare function sourceStamp(root?: string): SourceStamp;
export declare function distIsCurrent(root?: string): boolean;
export declare function warnIfStale(moduleUrl: string): void;
