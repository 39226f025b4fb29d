import { useEffect, useRef } from 'react';
import type { StackLayout } from '../../../io/slices';
import type { Volume } from '../../../io/volume';
import { useStore } from '../../../app/store';
import { DropSection, FileButton } from '../../../ui/files';
import { SCAN_ACCEPT } from '../../../io/readVolume';
import { ErrorBanner } from '../../../ui/ErrorBanner';
import { MRI_CLASSES } from '../core/postprocess';
import { cancelMri, chooseMriModel, dismissMriError, exportLabelsNifti, exportViewPng, openMriFiles, prepareMri, segment, setEdEs, setMriView, setStackLayout } from '../actions';
import { Measures } from './Measures';
import { Viewer } from './Viewer';
import { Samples } from '../../../ui/Samples';
import { MRI_SAMPLES } from '../samples';
import { MRI_MODELS } from '../models';
import { ModelMenu } from '../../../ui/ModelMenu';

export function MriView() {
  const mri = useStore((s) => s.mri);
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const { volume, segmentation, measures, view } = mri;

  useEffect(() => {
    void prepareMri();
  }, []);

  useEffect(() => {
    if (!volume) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement)?.tagName === 'INPUT') return;
      const [, , nz, nt] = volume.dims;
      const v = useStore.getState().mri.view;
      if (e.key === 'ArrowUp') setMriView({ z: Math.min(nz - 1, v.z + 1) });
      else if (e.key === 'ArrowDown') setMriView({ z: Math.max(0, v.z - 1) });
      else if (e.key === 'ArrowRight') setMriView({ t: (v.t + 1) % nt });
      else if (e.key === 'ArrowLeft') setMriView({ t: (v.t - 1 + nt) % nt });
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [volume]);

  return (
    <DropSection testid="mri-view" onFiles={(files) => void openMriFiles(files)}>
      <header className="task-header">
        <h1>Cardiac MRI</h1>
        <p className="muted">
          Short-axis segmentation (RV, myocardium, LV) with DF-Net, a direction-field network trained by this project on synthetic phantoms.{' '}
          <strong>Demo, not for clinical use.</strong>
        </p>
      </header>
      <div className="toolbar">
        <Samples samples={MRI_SAMPLES} testid="mri-samples" />
        <FileButton label="Open scan…" testid="mri-file" multiple accept={SCAN_ACCEPT} onFiles={(f) => void openMriFiles(f)} />
        <FileButton label="Open DICOM folder…" testid="mri-folder" directory onFiles={(f) => void openMriFiles(f)} />
        <ModelMenu models={MRI_MODELS} testid="mri-model" value={mri.modelId} disabled={mri.status === 'running' || mri.status === 'reading'} onChoose={(id) => void chooseMriModel(id)} />
        {mri.status === 'running' ? (
          <button type="button" data-testid="mri-cancel" onClick={() => cancelMri()}>
            Cancel
          </button>
        ) : (
          <button type="button" data-testid="mri-segment" disabled={!volume} onClick={() => void segment()}>
            Segment
          </button>
        )}
        {mri.progress && (
          <span className="progress-inline" data-testid="mri-progress" data-done={mri.progress.done} data-total={mri.progress.total}>
            <progress max={mri.progress.total} value={mri.progress.done} /> slice {mri.progress.done} / {mri.progress.total}
          </span>
        )}
        {mri.replaced && (
          <span className="muted" data-testid="mri-replaced">
            The previous scan's run {mri.replaced} when this one arrived.
          </span>
        )}
        <button type="button" data-testid="mri-export-nifti" disabled={!segmentation} onClick={exportLabelsNifti}>
          Export labels (NIfTI)
        </button>
        <button type="button" data-testid="mri-export-png" disabled={!volume} onClick={() => exportViewPng(canvas.current)}>
          Export view (PNG)
        </button>
      </div>
      <ErrorBanner error={mri.error} onDismiss={dismissMriError} />
      {!volume ? (
        <div className="stage empty">
          <p>Drop a short-axis cine here: a NIfTI file (.nii, .nii.gz; 3D or 4D), a DICOM series (files or a folder), or PNG/JPEG slices.</p>
          <p className="muted">Everything runs in this browser tab: nothing is uploaded.</p>
        </div>
      ) : (
        <div className="workspace" data-testid="mri-results" data-status={mri.status}>
          <div>
            <Viewer ref={canvas} volume={volume} segmentation={segmentation} view={view} onView={setMriView} />
            <div className="viewer-controls">
              <label>
                Slice {view.z + 1}/{volume.dims[2]}
                <input type="range" data-testid="mri-slice" min={0} max={volume.dims[2] - 1} value={view.z} onChange={(e) => setMriView({ z: Number(e.target.value) })} />
              </label>
              <label>
                Frame {view.t + 1}/{volume.dims[3]}
                <input type="range" data-testid="mri-frame" min={0} max={volume.dims[3] - 1} value={view.t} onChange={(e) => setMriView({ t: Number(e.target.value) })} />
              </label>
              <label>
                Level
                <input type="number" step="any" value={Math.round(view.level)} onChange={(e) => setMriView({ level: Number(e.target.value) })} />
              </label>
              <label>
                Window
                <input type="number" step="any" min={1} value={Math.round(view.window)} onChange={(e) => setMriView({ window: Math.max(1, Number(e.target.value)) })} />
              </label>
              <label>
                <input type="checkbox" data-testid="mri-overlay" checked={view.overlay} onChange={(e) => setMriView({ overlay: e.target.checked })} /> Overlay
              </label>
              {MRI_CLASSES.slice(1).map((name, i) => (
                <label key={name} className={`class-${name}`}>
                  <input type="checkbox" checked={view.classes[i]} onChange={(e) => setMriView({ classes: view.classes.map((c, j) => (j === i ? e.target.checked : c)) as [boolean, boolean, boolean] })} /> {name}
                </label>
              ))}
              <label>
                Opacity
                <input type="range" min={0.1} max={1} step={0.05} value={view.opacity} onChange={(e) => setMriView({ opacity: Number(e.target.value) })} />
              </label>
              <select value={view.mode} aria-label="Overlay style" onChange={(e) => setMriView({ mode: e.target.value as 'filled' | 'contour' })}>
                <option value="filled">Filled</option>
                <option value="contour">Contour</option>
              </select>
              <label>
                <input type="checkbox" data-testid="mri-field" checked={view.field} onChange={(e) => setMriView({ field: e.target.checked })} /> Direction field
              </label>
            </div>
          </div>
          <aside className="results">
            <div data-testid="mri-source" data-name={volume.source.name}>
              <strong>{volume.source.name}</strong>
              <div className="muted">
                {volume.dims.slice(0, 2).join('×')} px · {volume.dims[2]} slice{volume.dims[2] === 1 ? '' : 's'} · {volume.dims[3]} frame{volume.dims[3] === 1 ? '' : 's'} ·{' '}
                {volume.spacingMm.map((s) => s.toFixed(2)).join(' × ')} mm
              </div>
              {volume.source.note && <div className="muted">{volume.source.note}</div>}
              {mri.stack && <StackControls key={mri.stack.original.source.name} stack={mri.stack} />}
            </div>
            {mri.inferMs !== undefined && segmentation && (
              <p className="muted">
                {volume.dims[2] * volume.dims[3]} slices in {(mri.inferMs / 1000).toFixed(1)} s
              </p>
            )}
            {measures && <Measures measures={measures} ed={mri.ed} es={mri.es} t={view.t} pixelKnown={!mri.stack || mri.stack.layout.pixelMm !== undefined} thicknessKnown={!mri.stack || (mri.stack.layout.pixelMm !== undefined && (volume.dims[2] === 1 ? false : mri.stack.layout.sliceMm !== undefined))} onEdEs={setEdEs} />}
          </aside>
        </div>
      )}
    </DropSection>
  );
}

/** Image files carry no geometry: the user gives pixel size, slice spacing and how the images split into slices × frames. */
function StackControls({ stack }: { stack: { original: Volume; layout: StackLayout } }) {
  const images = stack.original.dims[2] * stack.original.dims[3];
  const divisors = Array.from({ length: images }, (_, i) => i + 1).filter((f) => images % f === 0);
  const { layout } = stack;
  const mm = (value: string) => (Number(value) > 0 ? Number(value) : undefined);
  return (
    <fieldset className="stack-geometry" data-testid="mri-stack">
      <legend>Image stack geometry</legend>
      <label>
        Pixel size (mm){' '}
        <input type="number" step="0.01" min={0.1} defaultValue={layout.pixelMm ?? ''} placeholder="unknown" data-testid="mri-pixel-size" onBlur={(e) => mm(e.target.value) !== layout.pixelMm && void setStackLayout({ pixelMm: mm(e.target.value) })} />
      </label>
      <label>
        Slice spacing (mm){' '}
        <input type="number" step="0.1" min={0.1} defaultValue={layout.sliceMm ?? ''} placeholder="unknown" data-testid="mri-slice-spacing" onBlur={(e) => mm(e.target.value) !== layout.sliceMm && void setStackLayout({ sliceMm: mm(e.target.value) })} />
      </label>
      <label>
        {images} images are{' '}
        <select data-testid="mri-stack-frames" value={layout.frames} onChange={(e) => void setStackLayout({ frames: Number(e.target.value) })}>
          {divisors.map((f) => (
            <option key={f} value={f}>
              {f === 1 ? `${images} slices, one frame` : f === images ? `${images} frames of one slice` : `${images / f} slices × ${f} frames`}
            </option>
          ))}
        </select>
      </label>
      {layout.frames > 1 && layout.frames < images && (
        <label>
          Order{' '}
          <select data-testid="mri-stack-order" value={layout.order} onChange={(e) => void setStackLayout({ order: e.target.value as StackLayout['order'] })}>
            <option value="slice-major">all frames of a slice, then the next slice</option>
            <option value="frame-major">all slices of a frame, then the next frame</option>
          </select>
        </label>
      )}
    </fieldset>
  );
}
