import { useEffect } from 'react';
import { useStore } from '../../../app/store';
import { firstFile } from '../../../io/image';
import { ErrorBanner } from '../../../ui/ErrorBanner';
import { DropSection, FileButton } from '../../../ui/files';
import { FACE_MODELS, FACE_MODEL_IDS, type FaceModelId } from '../core/models';
import { KEYPOINT_NAMES, visibleFaces } from '../core/types';
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

export function FaceView() {
  const face = useStore((s) => s.face);
  const faces = visibleFaces(face.faces, face.scoreThreshold);
  const live = face.camera.active;
  const busy = face.status === 'running' || face.status === 'loading';

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

  const openAll = (files: File[]) => void openFiles(files);

  return (
    <DropSection testid="face-view" onFiles={openAll}>
      <header className="task-header">
        <h1>Faces</h1>
        <p className="muted">BlazeFace (MediaPipe) live; FDNet1.0-style multi-scale voting for photos.</p>
      </header>

      <div className="toolbar">
        <Samples samples={FACE_SAMPLES} testid="face-samples" />
        <FileButton label="Open image…" testid="face-file" multiple accept="image/jpeg,image/png,image/webp,image/gif,image/bmp,.dcm,.nii,.gz" onFiles={openAll} />
        {live ? (
          <button type="button" data-testid="camera-stop" onClick={stopCamera}>
            Stop camera
          </button>
        ) : (
          <button type="button" data-testid="camera-start" onClick={() => void startCamera()}>
            Start camera
          </button>
        )}
        <select data-testid="camera-select" value={face.camera.deviceId ?? ''} onChange={(e) => void startCamera(e.target.value || undefined)} aria-label="Camera">
          <option value="">Default camera</option>
          {face.camera.devices.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
        <label>
          Model{' '}
          <select data-testid="face-model" value={face.model} onChange={(e) => setModel(e.target.value as FaceModelId)}>
            {FACE_MODEL_IDS.map((id) => (
              <option key={id} value={id}>
                {FACE_MODELS[id].label}
              </option>
            ))}
          </select>
        </label>
        <label title="Photos only: tiles at 3 scales, mirrored, both models, fused by box voting. Finds smaller faces; ~40× the compute.">
          <input type="checkbox" data-testid="face-accurate" checked={face.accurate} onChange={(e) => setAccurate(e.target.checked)} /> Accurate (photos)
        </label>
        <label>
          Min score{' '}
          <input
            type="range"
            data-testid="face-threshold"
            min={0.3}
            max={0.95}
            step={0.05}
            value={face.scoreThreshold}
            onChange={(e) => setScoreThreshold(Number(e.target.value))}
          />{' '}
          {face.scoreThreshold.toFixed(2)}
        </label>
        <button type="button" data-testid="export-json" disabled={!face.source} onClick={exportJson}>
          Export JSON
        </button>
        <button type="button" data-testid="export-png" disabled={!face.source} onClick={exportPng}>
          Export PNG
        </button>
        <label>
          <input type="checkbox" data-testid="face-labels" checked={face.showLabels} onChange={(e) => setShowLabels(e.target.checked)} /> Scores and keypoints
        </label>
        <label title="Pixelate every detected face on screen, in the anonymised export and in recordings (use Accurate for photos with small faces).">
          <input type="checkbox" data-testid="face-anonymise" checked={face.anonymise} onChange={(e) => setAnonymise(e.target.checked)} /> Anonymise faces
        </label>
        <button type="button" data-testid="export-anonymised" disabled={!face.source || face.source.kind !== 'image'} onClick={exportAnonymisedPng}>
          Export anonymised PNG
        </button>
        {live && (
          <button type="button" data-testid="record-webm" onClick={toggleRecording}>
            {face.recording ? 'Stop recording' : 'Record anonymised WebM'}
          </button>
        )}
      </div>

      <ErrorBanner error={face.error} onDismiss={dismissError} />
      {face.scanOffer && (
        <p className="warning" data-testid="face-scan-offer">
          {face.scanOffer.length === 1 ? 'This scan' : `These ${face.scanOffer.length} scan files`} can be read in another tab:{' '}
          <button type="button" data-testid="face-scan-to-mri" onClick={() => void offerScan('mri')}>
            Open in Cardiac MRI
          </button>{' '}
          <button type="button" data-testid="face-scan-to-ct" onClick={() => void offerScan('ct')}>
            Open in Chest CT
          </button>
        </p>
      )}

      <Gallery items={face.gallery} selected={face.selected} notes={face.galleryNotes} />

      <div className="workspace">
        {face.status === 'done' && face.source?.kind === 'image' && !face.accurate && faces.length <= 1 && face.source.width * face.source.height >= 600_000 && (
          <p className="warning" data-testid="face-suggest-accurate">
            {faces.length === 0 ? 'No face found' : 'Only one face found'} in a large photo. Small faces (a group, a crowd) need Accurate mode: it looks at the photo in tiles at
            several scales (slower).{' '}
            <button type="button" data-testid="face-try-accurate" onClick={() => setAccurate(true)}>
              Try Accurate
            </button>
          </p>
        )}
        <Stage source={face.source} faces={faces} live={live} anonymise={face.anonymise} labels={face.showLabels} />
        <aside className="results" data-testid="face-results" data-status={face.status} aria-busy={busy}>
          <div data-testid="face-source" data-name={face.source?.name ?? ''}>
            {face.source ? (
              <strong>
                {face.source.name} · {face.source.width}×{face.source.height}
              </strong>
            ) : (
              <span className="muted">No image yet</span>
            )}
          </div>
          {busy && <p className="muted">{face.status === 'loading' ? 'Loading model…' : face.accurate ? 'Detecting (accurate mode)…' : 'Detecting…'}</p>}
          {live && (
            <p data-testid="fps" data-fps={face.camera.fps.toFixed(2)}>
              <strong>{fmt(face.camera.fps)}</strong> FPS
            </p>
          )}
          {face.times && (
            <p className="muted" data-testid="stage-times">
              pre {fmt(face.times.preMs)} ms · inference {fmt(face.times.inferMs)} ms · post {fmt(face.times.postMs)} ms
              {face.passes > 1 ? ` · ${face.passes} passes` : ''}
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
      </div>
    </DropSection>
  );
}
