import { PROVIDER_PREFERENCES, type BackendInfo, type ProviderPreference } from '../runtime/backend';

const LABEL: Record<ProviderPreference, string> = { auto: 'Auto (WebGPU if available)', webgpu: 'WebGPU', wasm: 'WASM (CPU)' };

/** Which execution provider and how many WASM threads are in use, with the user's override. */
export function BackendBadge({ backend, preference, onChange }: { backend?: BackendInfo; preference: ProviderPreference; onChange: (p: ProviderPreference) => void }) {
  const isolated = typeof self !== 'undefined' && self.crossOriginIsolated === true;
  return (
    <div className="backend">
      <span className="badge" data-testid="backend" data-ep={backend?.ep ?? ''} data-threads={backend?.threads ?? ''} data-isolated={String(isolated)} title={backend?.adapter}>
        {backend ? `${backend.ep === 'webgpu' ? 'WebGPU' : 'WASM'} · ${backend.threads} thread${backend.threads === 1 ? '' : 's'}` : 'loading runtime…'}
      </span>
      {!isolated && (
        <span className="badge warn" data-testid="not-isolated" title="The page is not cross-origin isolated (COOP/COEP headers missing), so SharedArrayBuffer is unavailable.">
          not cross-origin isolated: WASM is single-threaded
        </span>
      )}
      {backend?.fallbackReason && (
        <span className="badge warn" data-testid="backend-fallback">
          {backend.fallbackReason}
        </span>
      )}
      <label>
        Backend{' '}
        <select data-testid="ep-select" value={preference} onChange={(e) => onChange(e.target.value as ProviderPreference)}>
          {PROVIDER_PREFERENCES.map((p) => (
            <option key={p} value={p}>
              {LABEL[p]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
