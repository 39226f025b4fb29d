import type { UserError } from '../errors';

/** What happened + what to do, with the technical detail folded away. Never replaces the current result. */
export function ErrorBanner({ error, onDismiss }: { error?: UserError; onDismiss: () => void }) {
  if (!error) return null;
  return (
    <div className="error" role="alert" data-testid="error" data-code={error.code}>
      <div>
        <strong>{error.title}</strong> {error.action}
        {error.detail && <div className="error-detail">{error.detail}</div>}
      </div>
      <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
