// "Try a sample": one click opens a bundled input in the current task, for users without a scan or photo at hand.
import { useState } from 'react';

export interface Sample {
  id: string;
  label: string;
  /** Where it comes from and its licence (shown as the button's description). */
  about: string;
  open(): Promise<void>;
}

export function Samples({ samples, testid }: { samples: Sample[]; testid: string }) {
  const [busy, setBusy] = useState<string>();
  return (
    <div className="samples" role="group" aria-label="Samples" data-testid={testid}>
      <span className="muted">Try a sample:</span>
      {samples.map((s) => (
        <button
          key={s.id}
          type="button"
          data-testid={`${testid}-${s.id}`}
          title={s.about}
          disabled={busy !== undefined}
          onClick={() => {
            setBusy(s.id);
            void s.open().finally(() => setBusy(undefined));
          }}
        >
          {busy === s.id ? `${s.label}…` : s.label}
        </button>
      ))}
    </div>
  );
}
