import { lazy, Suspense } from 'react';
import { setPreference } from './actions';
import { benchUrlMode } from '../bench/url';
import { FaceView } from '../tasks/face/ui/FaceView';
import { MriView } from '../tasks/mri/ui/MriView';
import { CtView } from '../tasks/ct/ui/CtView';
import { ChatView } from '../tasks/llm/ui/ChatView';
import { BackendBadge } from '../ui/BackendBadge';
import { ProgressList } from '../ui/ProgressList';
import { useStore, type TaskId } from './store';

const TASKS: { id: TaskId; label: string; blurb: string }[] = [
  { id: 'faces', label: 'Faces', blurb: 'Webcam and photos' },
  { id: 'mri', label: 'Cardiac MRI', blurb: 'RV / MYO / LV segmentation' },
  { id: 'ct', label: 'Chest CT', blurb: 'COVID-19 classification' },
  { id: 'chat', label: 'Chat', blurb: 'Small language model' },
  { id: 'bench', label: 'Benchmark', blurb: 'Speed on this machine' },
];

// The Benchmark panel loads on demand; `?bench` opens it (`?bench=cold-face|cold-mri` also runs its cold-start probe).
const BenchView = lazy(() => import('../bench/ui/BenchView').then((m) => ({ default: m.BenchView })));
if (benchUrlMode().open) useStore.setState({ task: 'bench' });

export function App() {
  const task = useStore((s) => s.task);
  const progress = useStore((s) => s.progress);
  return (
    <div className="app">
      <nav className="sidebar" data-testid="task-nav" aria-label="Tasks">
        <div className="brand">
          Loupe<span className="muted"> · in-browser AI</span>
        </div>
        {TASKS.map((t) => (
          <button
            key={t.id}
            type="button"
            data-testid={`nav-${t.id}`}
            className={t.id === task ? 'active' : ''}
            aria-current={t.id === task ? 'page' : undefined}
            onClick={() => useStore.setState({ task: t.id })}
          >
            {t.label}
            <span className="muted">{t.blurb}</span>
          </button>
        ))}
        <p className="muted privacy">No server, no upload: models run in this tab.</p>
      </nav>
      <main>
        <div className="runtime-bar">
          <BackendBadge onChange={(p) => void setPreference(p)} />
          <ProgressList progress={progress} />
        </div>
        {task === 'faces' ? <FaceView /> : task === 'mri' ? <MriView /> : task === 'ct' ? <CtView /> : task === 'chat' ? <ChatView /> : (
          <Suspense fallback={<p className="muted">Loading the benchmark…</p>}>
            <BenchView />
          </Suspense>
        )}
      </main>
    </div>
  );
}
