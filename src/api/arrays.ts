/** Plain arrays in and out of the library: rows of numbers become tensors inside and come back as number[][]. */
import { tf } from '../backend/tf.ts';
import { UserError } from '../errors.ts';

/** A matrix as its rows: number[][] or an array of Float32Array, all of one length. */
export type Rows = ReadonlyArray<ArrayLike<number>>;

/** The rows as one float32 tensor; `label` names the argument in errors (ragged or empty input). */
export function rowsToTensor(rows: Rows, label: string, width?: number): tf.Tensor2D {
  if (!Array.isArray(rows) || rows.length === 0) throw new UserError(`${label}: expected a non-empty array of rows`);
  const cols = width ?? rows[0].length;
  if (!(cols > 0)) throw new UserError(`${label}: rows must not be empty`);
  const values = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row?.length !== cols) throw new UserError(`${label}: row ${r} has ${row?.length} values, expected ${cols}`);
    values.set(row, r * cols);
  });
  return tf.tensor2d(values, [rows.length, cols]);
}

/** One row as a 1 × n tensor. */
export function rowToTensor(row: ArrayLike<number>, label: string): tf.Tensor2D {
  return rowsToTensor([row], label);
}

/** A tensor's values as rows of plain numbers; the tensor is disposed. */
export function tensorToRows(tensor: tf.Tensor2D): number[][] {
  const rows = tensor.arraySync();
  tensor.dispose();
  return rows;
}
