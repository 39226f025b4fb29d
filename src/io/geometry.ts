/**
 * Small 3D/4×4 helpers shared by the NIfTI and DICOM readers. Matrices are row-major number[16] (like `Volume.affine`).
 */

export type Vec3 = [number, number, number];

export function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm(a: readonly number[]): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** A 4×4 affine that only scales: voxel (i, j, k) → (i·dx, j·dy, k·dz). */
export function scalingAffine(spacing: readonly [number, number, number]): number[] {
  return [spacing[0], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0, spacing[2], 0, 0, 0, 0, 1];
}

/** Builds a row-major 4×4 from its three direction columns (already scaled) and the translation. */
export function affineFromColumns(c0: readonly number[], c1: readonly number[], c2: readonly number[], t: readonly number[]): number[] {
  return [c0[0], c1[0], c2[0], t[0], c0[1], c1[1], c2[1], t[1], c0[2], c1[2], c2[2], t[2], 0, 0, 0, 1];
}

/** Column c (0..3) of the upper 3×4 of a row-major affine. */
export function affineColumn(m: readonly number[], c: number): Vec3 {
  return [m[c], m[4 + c], m[8 + c]];
}

/**
 * NIfTI-1 quaternion → affine (nifti1.h "method 2"): R(b, c, d) · diag(dx, dy, qfac·dz) plus the offset.
 * Follows nifti_quatern_to_mat44: a is derived from b, c, d; a tiny negative 1 − (b² + c² + d²) is treated as a = 0.
 */
export function quaternToAffine(
  b: number,
  c: number,
  d: number,
  qfac: number,
  pixdim: readonly [number, number, number],
  offset: readonly [number, number, number],
): number[] {
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const [dx, dy, dzRaw] = pixdim;
  const dz = qfac < 0 ? -dzRaw : dzRaw;
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
  ];
  return [
    r[0][0] * dx, r[0][1] * dy, r[0][2] * dz, offset[0],
    r[1][0] * dx, r[1][1] * dy, r[1][2] * dz, offset[1],
    r[2][0] * dx, r[2][1] * dy, r[2][2] * dz, offset[2],
    0, 0, 0, 1,
  ];
}

/**
 * Affine → NIfTI-1 quaternion fields (nifti_mat44_to_quatern, with Gram-Schmidt instead of the polar decomposition:
 * exact for the orthogonal affines scanners produce, a close approximation for sheared ones).
 */
export function affineToQuatern(m: readonly number[]): {
  b: number;
  c: number;
  d: number;
  qfac: number;
  pixdim: Vec3;
  offset: Vec3;
} {
  const cols = [affineColumn(m, 0), affineColumn(m, 1), affineColumn(m, 2)];
  const pixdim = cols.map((v) => norm(v) || 1) as Vec3;
  // Orthonormalise the columns (Gram-Schmidt), keeping the first two directions.
  const u0 = scale(cols[0], 1 / pixdim[0]);
  let u1 = sub(scale(cols[1], 1 / pixdim[1]), scale(u0, dot(u0, scale(cols[1], 1 / pixdim[1]))));
  u1 = scale(u1, 1 / (norm(u1) || 1));
  // R = [u0 u1 u0×u1] is a proper rotation; a left-handed grid puts the flip in qfac (third column = qfac·dz·u2).
  const u2 = cross(u0, u1);
  const qfac = dot(u2, cols[2]) < 0 ? -1 : 1;
  const rot = [
    [u0[0], u1[0], u2[0]],
    [u0[1], u1[1], u2[1]],
    [u0[2], u1[2], u2[2]],
  ];
  const trace = rot[0][0] + rot[1][1] + rot[2][2] + 1;
  let a: number, b: number, c: number, d: number;
  if (trace > 0.5) {
    a = 0.5 * Math.sqrt(trace);
    b = (0.25 * (rot[2][1] - rot[1][2])) / a;
    c = (0.25 * (rot[0][2] - rot[2][0])) / a;
    d = (0.25 * (rot[1][0] - rot[0][1])) / a;
  } else {
    const xd = 1 + rot[0][0] - (rot[1][1] + rot[2][2]);
    const yd = 1 + rot[1][1] - (rot[0][0] + rot[2][2]);
    const zd = 1 + rot[2][2] - (rot[0][0] + rot[1][1]);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (rot[0][1] + rot[1][0])) / b;
      d = (0.25 * (rot[0][2] + rot[2][0])) / b;
      a = (0.25 * (rot[2][1] - rot[1][2])) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (rot[0][1] + rot[1][0])) / c;
      d = (0.25 * (rot[1][2] + rot[2][1])) / c;
      a = (0.25 * (rot[0][2] - rot[2][0])) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (rot[0][2] + rot[2][0])) / d;
      c = (0.25 * (rot[1][2] + rot[2][1])) / d;
      a = (0.25 * (rot[1][0] - rot[0][1])) / d;
    }
    if (a < 0) {
      a = -a;
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac, pixdim, offset: [m[3], m[7], m[11]] };
}

/** True when every entry of two affines agrees within tol (absolute, in mm). */
export function affinesClose(a: readonly number[], b: readonly number[], tol = 1e-3): boolean {
  if (a.length !== 16 || b.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (!(Math.abs(a[i] - b[i]) <= tol)) return false;
  return true;
}

function scale(v: readonly number[], s: number): Vec3 {
  return [v[0] * s, v[1] * s, v[2] * s];
}

function sub(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
