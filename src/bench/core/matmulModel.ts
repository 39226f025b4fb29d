// A one-node ONNX model, Y = A · B with A [m, k] and B [k, n] fp32 graph inputs, encoded by hand (a few
// protobuf fields, no dependency): the machine-peak reference the benchmark runs in the same runtime as the models.

function varint(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`varint: ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

function fieldVarint(field: number, value: number): number[] {
  return [...varint(field * 8 + WIRE_VARINT), ...varint(value)];
}

function fieldBytes(field: number, bytes: number[]): number[] {
  return [...varint(field * 8 + WIRE_BYTES), ...varint(bytes.length), ...bytes];
}

function fieldString(field: number, text: string): number[] {
  return fieldBytes(field, [...new TextEncoder().encode(text)]);
}

const ONNX_FLOAT = 1;

/** ValueInfoProto { name, type { tensor_type { elem_type: FLOAT, shape { dim { dim_value } … } } } }. */
function tensorInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => fieldBytes(1, fieldVarint(1, d)));
  const tensorType = [...fieldVarint(1, ONNX_FLOAT), ...fieldBytes(2, shape)];
  return [...fieldString(1, name), ...fieldBytes(2, fieldBytes(1, tensorType))];
}

/** The ONNX bytes of Y[m, n] = A[m, k] · B[k, n] (opset 13, IR version 8); FLOPs per run: 2·m·k·n. */
export function matmulModel(m: number, k = m, n = m): Uint8Array {
  const node = [...fieldString(1, 'A'), ...fieldString(1, 'B'), ...fieldString(2, 'Y'), ...fieldString(3, 'matmul'), ...fieldString(4, 'MatMul')];
  const graph = [
    ...fieldBytes(1, node),
    ...fieldString(2, 'matmul'),
    ...fieldBytes(11, tensorInfo('A', [m, k])),
    ...fieldBytes(11, tensorInfo('B', [k, n])),
    ...fieldBytes(12, tensorInfo('Y', [m, n])),
  ];
  const model = [
    ...fieldVarint(1, 8), // ir_version
    ...fieldString(2, 'loupe-bench'), // producer_name
    ...fieldBytes(7, graph),
    ...fieldBytes(8, [...fieldString(1, ''), ...fieldVarint(2, 13)]), // opset_import { domain "", version 13 }
  ];
  return Uint8Array.from(model);
}

export function matmulFlops(m: number, k = m, n = m): number {
  return 2 * m * k * n;
}
