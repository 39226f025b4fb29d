import { useEffect } from 'react';
import { fmtMeasure, fmtRatioOf, ITEM_IDS, ITEMS, type BenchReport, type ItemResult } from '../core/report';
import { benchUrlMode } from '../url';
import { exportBenchJson, runBenchmark, startColdProbe, stopBenchmark } from '../actions';
import { PEERS_BUILT } from '../peers/load';
import { unavailableItem, useBench } from '../store';
import './bench.css';

function ItemTable({ item }: { item: ItemResult }) {
  const info = ITEMS[item.id];
  return (
    <section data-testid={`bench-result-${item.id}`} data-status={item.status}>
      <h2>{info.title}</h2>
      <details>
        <summary>What this measures</summary>
        {info.meaning}
      </details>
      {item.status !== 'ok' && (
        <p>
          <strong>{item.status}</strong>: {item.reason}
        </p>
      )}
      {item.rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Measure</th>
              <th>A</th>
              <th>B</th>
              <th>Ratio or result</th>
              <th>Ratio is</th>
            </tr>
          </thead>
          <tbody>
            {item.rows.map((r, i) => (
              <tr key={i} data-testid="bench-row">
                <td>{r.measure}</td>
                <td>{fmtMeasure(r.a)}</td>
                <td>{fmtMeasure(r.b)}</td>
                <td className="ratio">{[r.ratio ? fmtRatioOf(r.ratio) : '', r.note ?? ''].filter(Boolean).join('; ')}</td>
                <td>{r.ratio?.definition}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {Object.keys(item.facts).length > 0 && (
        <p className="facts">
          {Object.entries(item.facts)
            .map(([k, v]) => `${k}: ${v}`)
            .join(' · ')}{' '}
          · {item.reps} repetition{item.reps === 1 ? '' : 's'}, {(item.ms / 1000).toFixed(1)} s
        </p>
      )}
    </section>
  );
}

function Results({ report }: { report: BenchReport }) {
  return (
    <div className="bench-results" data-testid="bench-results">
      <p className="muted">
        {new Date(report.date).toLocaleString()} · {report.machine.hardwareConcurrency} logical cores · {report.settings.reps} repetitions · {(report.ms / 1000).toFixed(0)} s ·{' '}
        {Object.entries(report.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(' · ')}
      </p>
      {report.items.map((item) => (
        <ItemTable key={item.id} item={item} />
      ))}
    </div>
  );
}

function ColdProbe() {
  const cold = useBench((s) => s.cold);
  if (!cold) return null;
  const r = cold.result;
  return (
    <p data-testid="bench-cold" data-status={cold.status} data-result={r ? JSON.stringify(r) : ''}>
      Cold-start probe ({r?.task ?? '…'}):{' '}
      {cold.status === 'running' ? 'loading…' : r?.ok ? `first result ${r.firstResultMs.toFixed(0)} ms after navigation` : `failed: ${r?.error}`}
    </p>
  );
}

export function BenchView() {
  const { status, reps, frames, quick, selected, progress, report, error } = useBench();
  const running = status === 'running';

  useEffect(() => {
    const { probe } = benchUrlMode();
    if (probe) void startColdProbe(probe);
  }, []);

  return (
    <section className="task-view bench" data-testid="bench-view" data-status={status}>
      <header className="task-header">
        <h1>Benchmark</h1>
        <p className="muted">
          Measures Loupe on this machine against peers and baselines. Each comparison runs both sides in the same run, on the same input, alternating A/B and B/A, and
          reports the ratio per repetition: its median and range, never one absolute time. Use the WASM numbers to compare machines only through their ratios.
        </p>
      </header>
      <ColdProbe />
      <div className="toolbar">
        <label>
          Repetitions{' '}
          <input type="number" min={1} max={50} data-testid="bench-reps" value={reps} disabled={running} onChange={(e) => useBench.setState({ reps: Number(e.target.value) })} />
        </label>
        <label>
          Frames per repetition{' '}
          <input type="number" min={1} max={200} data-testid="bench-frames" value={frames} disabled={running} onChange={(e) => useBench.setState({ frames: Number(e.target.value) })} />
        </label>
        <label title="Every item once with the fewest models and slices: checks that everything works; the numbers are rough.">
          <input type="checkbox" data-testid="bench-quick" checked={quick} disabled={running} onChange={(e) => useBench.setState({ quick: e.target.checked })} /> Quick run
        </label>
        <button type="button" data-testid="bench-run" disabled={running || !ITEM_IDS.some((id) => selected[id])} onClick={() => void runBenchmark()}>
          Run
        </button>
        <button type="button" data-testid="bench-stop" disabled={!running} onClick={stopBenchmark}>
          Stop
        </button>
        <button type="button" data-testid="bench-export" disabled={!report} onClick={exportBenchJson}>
          Export JSON
        </button>
      </div>
      <fieldset className="options">
        <legend>Items</legend>
        {ITEM_IDS.map((id) => {
          const absent = unavailableItem(id);
          return (
            <label key={id} title={absent}>
              <input
                type="checkbox"
                data-testid={`bench-item-${id}`}
                checked={selected[id] && !absent}
                disabled={running || !!absent}
                onChange={(e) => useBench.setState((s) => ({ selected: { ...s.selected, [id]: e.target.checked } }))}
              />{' '}
              {ITEMS[id].title}
              {absent && (id === 'native' ? ' (npm run bench only)' : ' (benchmark build only)')}
            </label>
          );
        })}
      </fieldset>
      {!PEERS_BUILT && (
        <p className="peers-absent" data-testid="bench-peers-absent">
          This build leaves out the peers’ runtimes (MediaPipe’s face detector, Transformers.js with its own ONNX Runtime: about 40 MB that the studio itself never uses), so
          the comparisons with them need the benchmark build: <code>npm run bench</code>, or <code>LOUPE_BENCH=1 npm start</code> to use this panel with them. Every other
          item measures Loupe alone and runs here, except the browser-vs-native one: it needs <code>npm run bench</code>, which runs onnxruntime-node beside the browser.
        </p>
      )}
      <p className="muted">
        The faces comparison runs Google’s MediaPipe face detector on this page’s main thread while it is measured: that is how its API works. Loupe itself runs every model in
        a worker. The camera, if allowed, supplies the frames; the cold-start item empties Loupe’s model cache first (it is refilled as it runs).
      </p>
      <ul className="bench-progress" data-testid="bench-progress">
        {ITEM_IDS.filter((id) => progress[id]).map((id) => (
          <li key={id} data-testid={`bench-progress-${id}`} data-status={progress[id]!.status}>
            <span className="state">{progress[id]!.status}</span>
            <span>
              {ITEMS[id].title}
              {progress[id]!.line ? ` — ${progress[id]!.line}` : ''}
            </span>
          </li>
        ))}
      </ul>
      {error && (
        <p className="error" data-testid="bench-error">
          {error}
        </p>
      )}
      {report && <Results report={report} />}
    </section>
  );
}
