import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../../../app/store';
import { firstFile } from '../../../io/image';
import { ErrorBanner } from '../../../ui/ErrorBanner';
import { DropSection, FileButton } from '../../../ui/files';
import { FACE_MODELS, FACE_MODEL_IDS, type FaceModelId } from '../core/models';
import { KEYPOINT_NAMES, visibleFaces } from '../core/types';
import type { FaceSlice } from '../store';
import {
  dismissError,
  exportJson,
  openFile,
  openFiles,
  prepareFaces,
  refreshCameras,
  setAccurate,
  setAnonymise,
  setShowLabels,
  setModel,
  setScoreThreshold,
  startCamera,
  stopCamera,
} from '../actions';
import { exportAnonymisedPng, exportPng, toggleRecording } from './export';
import { Stage } from './Stage';
import { Gallery } from './Gallery';
import { openInTask } from '../../../app/actions';
import { Samples } from '../../../ui/Samples';
import { FACE_SAMPLES } from '../samples';

const fmt = (n: number) => n.toFixed(1);

/** A scan dropped on Faces goes to the tab that reads it, opened there. */
async function offerScan(task: 'mri' | 'ct'): Promise<void> {
  const files = useStore.getState().face.scanOffer ?? [];
  dismissError();
  await openInTask(task, files);
}

/**
 * The Faces tab. Each part subscribes to the fields it shows, so a live frame (new faces, times, fps) re-renders only
 * the results list; the boxes are painted onto the overlay canvas by a store subscription, outside React (Stage).
 */
export function FaceView() {
  useEffect(() => {
    void prepareFaces();
    void refreshCameras();
    const onPaste = (e: ClipboardEvent) => {
      const file = firstFile(e.clipboardData?.files);
      if (file) {
        e.preventDefault();
        void openFile(file);
      }
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, []);

  return (
    <DropSection testid="face-view" onFiles={openAll}>
      <header className="task-header">
        <h1>Faces</h1>
        <p className="muted">BlazeFace (MediaPipe) live; FDNet1.0-style multi-scale voting for photos.</p>
      </header>
      <FaceToolbar />
      <FaceNotices />
      <FaceGallery />
      <div className="workspace">
        <AccurateHint />
        <Stage />
        <FaceResults />
      </div>
    </DropSection>
  );
}

const openAll = (files: File[]) => void openFiles(files);

/** The settings and actions; none of its fields changes from one live frame to the next. */
function FaceToolbar() {
  const t = useStore(
    useShallow(({ face }: FaceSlice) => ({
      model: face.model,
      accurate: face.accurate,
      scoreThreshold: face.scoreThreshold,
      showLabels: face.showLabels,
      anonymise: face.anonymise,
      recording: face.recording,
      live: face.camera.active,
      deviceId: face.camera.deviceId,
      devices: face.camera.devices,
      sourceKind: face.source?.kind,
    })),
  );
  return (
    <div className="toolbar" data-testid="face-toolbar">
      <Samples samples={FACE_SAMPLES} testid="face-samples" />
      <FileButton label="Open image…" testid="face-file" multiple accept="image/jpeg,image/png,image/webp,image/gif,image/bmp,.dcm,.nii,.gz" onFiles={openAll} />
      {t.live ? (
        <button type="button" data-testid="camera-stop" onClick={stopCamera}>
          Stop camera
        </button>
      ) : (
        <button type="button" data-testid="camera-start" onClick={() => void startCamera()}>
          Start camera
        </button>
      )}
      <select data-testid="camera-select" value={t.deviceId ?? ''} onChange={(e) => void startCamera(e.target.value || undefined)} aria-label="Camera">
        <option value="">Default camera</option>
        {t.devices.map((d) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label}
          </option>
        ))}
      </select>
      <label>
        Model{' '}
        <select data-testid="face-model" value={t.model} onChange={(e) => setModel(e.target.value as FaceModelId)}>
          {FACE_MODEL_IDS.map((id) => (
            <option key={id} value={id}>
              {FACE_MODELS[id].label}
            </option>
          ))}
        </select>
      </label>
      <label title="Photos only: tiles at 3 scales, mirrored, both models, fused by box voting. Finds smaller faces; ~40× the compute.">
        <input type="checkbox" data-testid="face-accurate" checked={t.accurate} onChange={(e) => setAccurate(e.target.checked)} /> Accurate (photos)
      </label>
      <label>
        Min score{' '}
        <input type="range" data-testid="face-threshold" min={0.3} max={0.95} step={0.05} value={t.scoreThreshold} onChange={(e) => setScoreThreshold(Number(e.target.value))} />{' '}
        {t.scoreThreshold.toFixed(2)}
      </label>
      <button type="button" data-testid="export-json" disabled={!t.sourceKind} onClick={exportJson}>
        Export JSON
      </button>
      <button type="button" data-testid="export-png" disabled={!t.sourceKind} onClick={exportPng}>
        Export PNG
      </button>
      <label>
        <input type="checkbox" data-testid="face-labels" checked={t.showLabels} onChange={(e) => setShowLabels(e.target.checked)} /> Scores and keypoints
      </label>
      <label title="Pixelate every detected face on screen, in the anonymised export and in recordings (use Accurate for photos with small faces).">
        <input type="checkbox" data-testid="face-anonymise" checked={t.anonymise} onChange={(e) => setAnonymise(e.target.checked)} /> Anonymise faces
      </label>
      <button type="button" data-testid="export-anonymised" disabled={t.sourceKind !== 'image'} onClick={exportAnonymisedPng}>
        Export anonymised PNG
      </button>
      {t.live && (
        <button type="button" data-testid="record-webm" onClick={toggleRecording}>
          {t.recording ? 'Stop recording' : 'Record anonymised WebM'}
        </button>
      )}
    </div>
  );
}

/** The error banner and the offer to open dropped scans in the MRI or CT tab. */
function FaceNotices() {
  const { error, scanOffer } = useStore(useShallow(({ face }: FaceSlice) => ({ error: face.error, scanOffer: face.scanOffer })));
  return (
    <>
      <ErrorBanner error={error} onDismiss={dismissError} />
      {scanOffer && (
        <p className="warning" data-testid="face-scan-offer">
          {scanOffer.length === 1 ? 'This scan' : `These ${scanOffer.length} scan files`} can be read in another tab:{' '}
          <button type="button" data-testid="face-scan-to-mri" onClick={() => void offerScan('mri')}>
            Open in Cardiac MRI
          </button>{' '}
          <button type="button" data-testid="face-scan-to-ct" onClick={() => void offerScan('ct')}>
            Open in Chest CT
          </button>
        </p>
      )}
    </>
  );
}

function FaceGallery() {
  const { gallery, selected, notes } = useStore(useShallow(({ face }: FaceSlice) => ({ gallery: face.gallery, selected: face.selected, notes: face.galleryNotes })));
  return <Gallery items={gallery} selected={selected} notes={notes} />;
}

/** Which hint a finished large photo with at most one face gets ('' = none). */
function accurateHint(face: FaceSlice['face']): '' | 'none' | 'one' {
  const { status, source, accurate } = face;
  if (status !== 'done' || source?.kind !== 'image' || accurate || source.width * source.height < 600_000) return '';
  const n = visibleFaces(face.faces, face.scoreThreshold).length;
  return n === 0 ? 'none' : n === 1 ? 'one' : '';
}

function AccurateHint() {
  const hint = useStore((s) => accurateHint(s.face));
  if (!hint) return null;
  return (
    <p className="warning" data-testid="face-suggest-accurate">
      {hint === 'none' ? 'No face found' : 'Only one face found'} in a large photo. Small faces (a group, a crowd) need Accurate mode: it looks at the photo in tiles at several
      scales (slower).{' '}
      <button type="button" data-testid="face-try-accurate" onClick={() => setAccurate(true)}>
        Try Accurate
      </button>
    </p>
  );
}

/** What was found: the one part of the view that re-renders on every live frame. */
function FaceResults() {
  const r = useStore(
    useShallow(({ face }: FaceSlice) => ({
      status: face.status,
      source: face.source,
      live: face.camera.active,
      fps: face.camera.fps,
      times: face.times,
      passes: face.passes,
      accurate: face.accurate,
      faces: face.faces,
      scoreThreshold: face.scoreThreshold,
    })),
  );
  const faces = visibleFaces(r.faces, r.scoreThreshold);
  const busy = r.status === 'running' || r.status === 'loading';
  return (
    <aside className="results" data-testid="face-results" data-status={r.status} aria-busy={busy}>
      <div data-testid="face-source" data-name={r.source?.name ?? ''}>
        {r.source ? (
          <strong>
            {r.source.name} · {r.source.width}×{r.source.height}
          </strong>
        ) : (
          <span className="muted">No image yet</span>
        )}
      </div>
      {busy && <p className="muted">{r.status === 'loading' ? 'Loading model…' : r.accurate ? 'Detecting (accurate mode)…' : 'Detecting…'}</p>}
      {r.live && (
        <p data-testid="fps" data-fps={r.fps.toFixed(2)}>
          <strong>{fmt(r.fps)}</strong> FPS
        </p>
      )}
      {r.times && (
        <p className="muted" data-testid="stage-times">
          pre {fmt(r.times.preMs)} ms · inference {fmt(r.times.inferMs)} ms · post {fmt(r.times.postMs)} ms
          {r.passes > 1 ? ` · ${r.passes} passes` : ''}
        </p>
      )}
      <h2>
        {faces.length} face{faces.length === 1 ? '' : 's'}
      </h2>
      <ol className="face-list">
        {faces.map((f, i) => (
          <li key={i} data-testid="face-row" data-box={f.box.map((v) => v.toFixed(1)).join(',')} data-score={f.score.toFixed(4)} title={f.keypoints.map((p, k) => `${KEYPOINT_NAMES[k]} (${p[0].toFixed(0)}, ${p[1].toFixed(0)})`).join('\n')}>
            <span className="score">{(f.score * 100).toFixed(1)}%</span> at ({f.box[0].toFixed(0)}, {f.box[1].toFixed(0)}) {f.box[2].toFixed(0)}×{f.box[3].toFixed(0)} px
          </li>
        ))}
      </ol>
    </aside>
  );
}
