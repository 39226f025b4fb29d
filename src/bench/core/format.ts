// Number and table formatting for benchmark results (panel and BENCHMARKS.md). Pure.
import type { Spread } from './stats';

/** Three significant digits, no exponent for the ranges benchmarks produce (0.001 … 10⁹); "–" for NaN. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  if (abs >= 100) return String(Math.round(v));
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 1) return v.toFixed(2);
  if (abs === 0) return '0';
  return v.toPrecision(2);
}

/** "12.3 ms [11.0–14.1]": median, then the range over repetitions; no range for one sample. */
export function fmtSpread(s: Spread, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  if (s.n <= 1 || s.min === s.max) return `${fmtNumber(s.median)}${u}`;
  return `${fmtNumber(s.median)}${u} [${fmtNumber(s.min)}–${fmtNumber(s.max)}]`;
}

/** "0.29× [0.25–0.33]". */
export function fmtRatio(s: Spread): string {
  if (s.n <= 1 || s.min === s.max) return `${fmtNumber(s.median)}×`;
  return `${fmtNumber(s.median)}× [${fmtNumber(s.min)}–${fmtNumber(s.max)}]`;
}

const signed = (v: number) => (v > 0 ? '+' : v < 0 ? '−' : '') + fmtNumber(Math.abs(v));

/** "+38 % [+30 – +45]". */
export function fmtPercent(s: Spread): string {
  if (s.n <= 1 || s.min === s.max) return `${signed(s.median)} %`;
  return `${signed(s.median)} % [${signed(s.min)} … ${signed(s.max)}]`;
}

/** "1.23 GFLOP" / "61.5 MFLOP". */
export function fmtFlops(flops: number): string {
  if (flops >= 1e9) return `${fmtNumber(flops / 1e9)} GFLOP`;
  if (flops >= 1e6) return `${fmtNumber(flops / 1e6)} MFLOP`;
  return `${fmtNumber(flops / 1e3)} kFLOP`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; pipes in cells are escaped, rows padded to the header's width. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${header.map((_, i) => cell(cells[i] ?? '')).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** A fetched file's name without its folder, query and the bundler's content hash ("x.wasm-AbC123_9.wasm" → "x.wasm"). */
export function assetName(url: string): string {
  return url
    .slice(url.lastIndexOf('/') + 1)
    .replace(/\?.*$/, '')
    .replace(/-[A-Za-z0-9_-]{8}(\.[a-z0-9]+)$/, '$1');
}
