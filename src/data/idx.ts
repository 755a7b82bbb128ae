/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST): big-endian header with a magic number
 * (0x0803 for unsigned-byte 3-d images, 0x0801 for 1-d labels) and the dimensions, then bytes.
 */
import { UserError } from '../errors.ts';

export const IMAGES_MAGIC = 0x00000803;
export const LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, path: string, expectedMagic: number): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8) throw new UserError(`${path}: too short for an IDX file (${bytes.byteLength} bytes)`);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new UserError(
      `${path}: wrong magic number 0x${magic.toString(16).padStart(8, '0')}, expected 0x${expectedMagic.toString(16).padStart(8, '0')} (${expectedMagic === IMAGES_MAGIC ? 'images' : 'labels'})`,
    );
  }
  const rank = expectedMagic & 0xff;
  const header = 4 + 4 * rank;
  if (bytes.byteLength < header) throw new UserError(`${path}: truncated IDX header`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== header + size) {
    throw new UserError(`${path}: size ${bytes.byteLength} bytes, expected ${header + size} for dimensions ${dims.join(' × ')} (truncated or corrupt)`);
  }
  return { dims, data: bytes.subarray(header) };
}
