import { lazy, Suspense, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectTask, setPreference } from './actions';
import { benchUrlMode } from '../bench/url';
import { BackendBadge } from '../ui/BackendBadge';
import { ProgressList } from '../ui/ProgressList';
import { TASKS } from './registry';
import { useStore, type TaskId } from './store';

const NAV: { id: TaskId; label: string; blurb: string }[] = [...TASKS, { id: 'bench', label: 'Benchmark', blurb: 'Speed on this machine' }];

// The Benchmark panel loads on demand; `?bench` opens it (`?bench=cold-face|cold-mri` also runs its cold-start probe).
const BenchView = lazy(() => import('../bench/ui/BenchView').then((m) => ({ default: m.BenchView })));

/** The task named by the URL: `#mri`, `#ct`, `#chat`, `#bench` (links and reloads keep the tab). */
function taskFromUrl(): TaskId | undefined {
  if (benchUrlMode().open) return 'bench';
  const hash = typeof location === 'undefined' ? '' : location.hash.slice(1);
  return NAV.find((t) => t.id === hash)?.id;
}
const initial = taskFromUrl();
if (initial) useStore.setState({ task: initial });

export function App() {
  const task = useStore((s) => s.task);
  const progress = useStore((s) => s.progress);
  // Workers report their backend with every result (a new object each live frame): compared by value, so the shell
  // and the task view under it do not re-render when nothing changed.
  const backend = useStore(useShallow((s) => s.backend));
  const preference = useStore((s) => s.preference);
  useEffect(() => {
    // Back/Forward (and a hand-edited hash) select the tab the URL names; no hash is the first task.
    const onHash = () => selectTask(taskFromUrl() ?? TASKS[0].id, { fromHistory: true });
    addEventListener('hashchange', onHash);
    addEventListener('popstate', onHash);
    return () => {
      removeEventListener('hashchange', onHash);
      removeEventListener('popstate', onHash);
    };
  }, []);
  const View = TASKS.find((t) => t.id === task)?.View;
  const [menuOpen, setMenuOpen] = useState(false);
  const current = NAV.find((t) => t.id === task);
  return (
    <div className="app">
      <nav className={`sidebar${menuOpen ? ' open' : ''}`} data-testid="task-nav" aria-label="Tasks">
        <div className="brand">
          Loupe<span className="muted"> · in-browser AI</span>
        </div>
        {/* Narrow screens: the task list folds into this button. */}
        <button type="button" className="menu-toggle" data-testid="menu-toggle" aria-expanded={menuOpen} aria-controls="task-list" onClick={() => setMenuOpen(!menuOpen)}>
          {current?.label ?? 'Tasks'} ▾
        </button>
        <div className="task-list" id="task-list">
        {NAV.map((t) => (
          <button
            key={t.id}
            type="button"
            data-testid={`nav-${t.id}`}
            className={t.id === task ? 'active' : ''}
            aria-current={t.id === task ? 'page' : undefined}
            onClick={() => {
              setMenuOpen(false);
              selectTask(t.id);
            }}
          >
            {t.label}
            <span className="muted">{t.blurb}</span>
          </button>
        ))}
        </div>
        <p className="muted privacy">No server, no upload: models run in this tab.</p>
      </nav>
      <main>
        <div className="runtime-bar">
          <BackendBadge backend={backend} preference={preference} onChange={(p) => void setPreference(p)} />
          <ProgressList progress={progress} />
        </div>
        <Suspense fallback={<p className="muted">Loading…</p>}>{View ? <View /> : <BenchView />}</Suspense>
      </main>
    </div>
  );
}
