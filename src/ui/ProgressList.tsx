import type { LoadProgress } from '../runtime/fetchModel';

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} kB`;
}

/** One row per file: byte-accurate download progress, cache hits, and the warm-up phase on its own. */
export function ProgressList({ progress }: { progress: Record<string, LoadProgress> }) {
  const active = Object.values(progress).filter((p) => p.status !== 'ready' && p.status !== 'cached');
  if (active.length === 0) return null;
  return (
    <ul className="progress-list" data-testid="progress">
      {active.map((p) => (
        <li key={p.file}>
          <span className="progress-name">{p.file}</span>
          {p.status === 'download' ? (
            <>
              <progress max={p.total || undefined} value={p.loaded} />
              <span>
                {formatBytes(p.loaded)}
                {p.total ? ` / ${formatBytes(p.total)}` : ''}
              </span>
            </>
          ) : (
            <span>warming up (compiling kernels)…</span>
          )}
        </li>
      ))}
    </ul>
  );
}
