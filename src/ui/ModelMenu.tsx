/** A task's model menu: its shipped models, plus the one the user loaded (a folder, a file) as an extra entry. */
export function ModelMenu({ models, value, disabled, testid, extra, onChoose }: {
  models: readonly { id: string; name: string }[];
  value: string;
  disabled?: boolean;
  testid: string;
  /** The user's own model, shown (and selected when `value` is its id) but not offered as a choice to switch to. */
  extra?: { id: string; name: string };
  onChoose: (id: string) => void;
}) {
  return (
    <select aria-label="Model" data-testid={testid} value={value} disabled={disabled} onChange={(e) => e.target.value !== extra?.id && onChoose(e.target.value)}>
      {models.map((m) => (
        <option key={m.id} value={m.id}>
          {m.name}
        </option>
      ))}
      {extra && <option value={extra.id}>{extra.name}</option>}
    </select>
  );
}
