import { useEffect, useMemo, useRef } from 'react';
import { useStore } from '../../../app/store';
import { DropSection, FileButton } from '../../../ui/files';
import { SCAN_ACCEPT } from '../../../io/readVolume';
import { ErrorBanner } from '../../../ui/ErrorBanner';
import { camPeak, CT_CLASSES, type CtClass } from '../core/classify';
import { renderCtSliceRgba } from '../core/heat';
import { CT_WINDOWS, type CtWindow } from '../core/preprocess';
import { cancelCt, classify, dismissCtError, loadCustomModel, markSlicesAsWindowedCt, openCtFiles, prepareCt, setCtView, useShippedModel } from '../actions';
import { CT_MODELS } from '../models';
import { ModelMenu } from '../../../ui/ModelMenu';
import { CT_MODEL_ID } from '../runner';
import { CT_CONFIDENT } from '../core/refuse';
import { Samples } from '../../../ui/Samples';
import { CT_SAMPLES } from '../samples';

const CLASS_LABEL: Record<CtClass, string> = { healthy: 'Healthy', covid19: 'COVID-19', viral: 'Other viral pneumonia', bacterial: 'Bacterial pneumonia' };

export function CtView() {
  const ct = useStore((s) => s.ct);
  const canvas = useRef<HTMLCanvasElement>(null);
  const { volume, result, view } = ct;
  const camIndex = CT_CLASSES.indexOf(view.camClass);
  const classCam = result?.cam?.[camIndex];
  const cam = view.showCam ? classCam : undefined;
  const camMax = useMemo(() => (cam ? cam.reduce((m, v) => (v > m ? v : m), 0) : 0), [cam]);
  const peak = useMemo(() => (classCam && volume ? camPeak(classCam, [volume.dims[0], volume.dims[1], volume.dims[2]]) : undefined), [classCam, volume]);

  useEffect(() => {
    void prepareCt();
  }, []);

  useEffect(() => {
    const target = canvas.current;
    if (!target || !volume) return;
    const [nx, ny] = volume.dims;
    const plane = nx * ny;
    const { level, window } = CT_WINDOWS[view.preset];
    const rgba = renderCtSliceRgba(volume.data.subarray(view.z * plane, (view.z + 1) * plane), cam?.subarray(view.z * plane, (view.z + 1) * plane), camMax, plane, level, window, view.opacity);
    target.width = nx;
    target.height = ny;
    target.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, nx, ny), 0, 0);
  }, [volume, cam, camMax, view]);

  return (
    <DropSection testid="ct-view" onFiles={(files) => void openCtFiles(files)}>
      <header className="task-header">
        <h1>Chest CT</h1>
        <p className="muted">COVID-19 / other viral / bacterial pneumonia / healthy, with the UCADI 3D DenseNet and a class activation map.</p>
      </header>
      <p className="warning" data-testid="ct-intended-use">
        <strong>Demo, not for clinical use.</strong>
        {ct.defaultMissing ? ' Not a medical device, whichever model you load.' : ' The default model was trained by this project on synthetic CT phantoms; it has never seen a real patient.'}
      </p>
      <div className="toolbar">
        <Samples samples={CT_SAMPLES} testid="ct-samples" />
        <FileButton label="Open scan…" testid="ct-file" multiple accept={SCAN_ACCEPT} onFiles={(f) => void openCtFiles(f)} />
        <FileButton label="Open DICOM folder…" testid="ct-folder" directory onFiles={(f) => void openCtFiles(f)} />
        <FileButton
          label="Load custom model…"
          testid="ct-model-file"
          multiple
          accept=".onnx,.json"
          title="An ONNX classifier with the same contract: input [batch,1,16,128,128], 4 class logits, optional CAM. Choose model.onnx and manifest.json together."
          onFiles={(f) => void loadCustomModel(f)}
        />
        {!ct.defaultMissing && (
          <ModelMenu
            models={CT_MODELS}
            testid="ct-model-menu"
            value={ct.model?.custom ? 'custom' : ct.modelId}
            disabled={ct.status === 'running' || ct.status === 'loading' || ct.status === 'reading'}
            extra={ct.model?.custom ? { id: 'custom', name: `${ct.model.name} (your file)` } : undefined}
            onChoose={(id) => void useShippedModel(id)}
          />
        )}
        {ct.model?.custom && !ct.defaultMissing && (
          <button type="button" onClick={() => void useShippedModel(CT_MODEL_ID)}>
            Use the default model
          </button>
        )}
        {ct.status === 'running' ? (
          <button type="button" data-testid="ct-cancel" onClick={() => cancelCt()}>
            Cancel
          </button>
        ) : (
          <button type="button" data-testid="ct-classify" disabled={!volume} onClick={() => void classify()}>
            Classify
          </button>
        )}
        {ct.progress && (
          <span className="progress-inline" data-testid="ct-progress">
            <progress max={ct.progress.total} value={ct.progress.done} /> sampling {ct.progress.done} / {ct.progress.total}
          </span>
        )}
      </div>
      {ct.defaultMissing && !ct.model?.custom && (
        <p className="warning" data-testid="ct-no-default-model">
          <strong>The default CT model is not on this server</strong> (models/ct/ucadi-densenet/ is missing from this build; a fresh checkout of Loupe has it). You can open scans and
          classify them with your own ONNX classifier of the same contract — for example a UCADI checkpoint converted by
          <code> training/ct/export_checkpoint.py</code>: press <em>Load custom model…</em> and choose its model.onnx and manifest.json.
        </p>
      )}
      <ErrorBanner error={ct.error} onDismiss={dismissCtError} />
      {ct.rejection?.code === 'NOT_HU' && (
        <p className="warning" data-testid="ct-windowed-prompt">
          If these images are axial slices of a chest CT shown in a lung window (L −600, W 1500), their grey levels can be read back as approximate
          Hounsfield units.{' '}
          <button type="button" data-testid="ct-mark-windowed" onClick={() => void markSlicesAsWindowedCt()}>
            They are lung-windowed chest CT slices
          </button>
        </p>
      )}
      {!volume ? (
        <div className="stage empty">
          <p>Drop a chest CT here: a DICOM series (files or a folder), a NIfTI volume, or a stack of PNG/JPEG slices.</p>
          <p className="muted">Everything runs in this browser tab: nothing is uploaded.</p>
        </div>
      ) : (
        <div className="workspace" data-testid="ct-results" data-status={ct.status}>
          <div>
            <canvas ref={canvas} className="ct-canvas" data-testid="ct-canvas" />
            <div className="viewer-controls">
              <label>
                Slice {view.z + 1}/{volume.dims[2]}
                <input type="range" data-testid="ct-slice" min={0} max={volume.dims[2] - 1} value={view.z} onChange={(e) => setCtView({ z: Number(e.target.value) })} />
              </label>
              <select value={view.preset} aria-label="Window" data-testid="ct-window" onChange={(e) => setCtView({ preset: e.target.value as CtWindow })}>
                <option value="lung">Lung window (L −600, W 1500)</option>
                <option value="mediastinal">Mediastinal window (L 40, W 400)</option>
              </select>
              <label>
                <input type="checkbox" data-testid="ct-cam" checked={view.showCam} disabled={!result?.cam} onChange={(e) => setCtView({ showCam: e.target.checked })} /> Activation map
              </label>
              <select value={view.camClass} aria-label="Map for class" onChange={(e) => setCtView({ camClass: e.target.value as CtClass })}>
                {CT_CLASSES.map((c) => (
                  <option key={c} value={c}>
                    for {CLASS_LABEL[c]}
                  </option>
                ))}
              </select>
              <label>
                Opacity
                <input type="range" min={0.1} max={1} step={0.05} value={view.opacity} onChange={(e) => setCtView({ opacity: Number(e.target.value) })} />
              </label>
            </div>
          </div>
          <aside className="results">
            <div data-testid="ct-source" data-name={volume.source.name}>
              <strong>{volume.source.name}</strong>
              <div className="muted">
                {volume.dims.slice(0, 3).join('×')} voxels · {volume.spacingMm.map((s) => s.toFixed(2)).join(' × ')} mm{volume.source.modality ? ` · ${volume.source.modality}` : ''}
              </div>
              {volume.source.note && <div className="muted">{volume.source.note}</div>}
            </div>
            {ct.model && (
              <p className="muted" data-testid="ct-model">
                Model: {ct.model.name}
                {ct.model.custom ? ' (custom)' : ''}
                {!ct.model.hasCam ? ' — no activation map output' : ''}
              </p>
            )}
            {result && (
              <>
                <h2 data-testid="ct-top" data-class={result.top} data-uncertain={String(result.probabilities[result.top] < CT_CONFIDENT)}>
                  {result.probabilities[result.top] < CT_CONFIDENT ? `Uncertain (leaning ${CLASS_LABEL[result.top]})` : CLASS_LABEL[result.top]}
                </h2>
                {result.probabilities[result.top] < CT_CONFIDENT && (
                  <p className="muted" data-testid="ct-uncertain">
                    No class reaches {CT_CONFIDENT * 100} %: the model is not sure, so read this as no answer. (Its probabilities are not calibrated yet.)
                  </p>
                )}
                <ul className="bars">
                  {CT_CLASSES.map((c) => (
                    <li key={c} data-testid={`ct-prob-${c}`} data-p={result.probabilities[c].toFixed(4)}>
                      <span>{CLASS_LABEL[c]}</span>
                      <span className="bar">
                        <span style={{ width: `${(result.probabilities[c] * 100).toFixed(1)}%` }} />
                      </span>
                      <span>{(result.probabilities[c] * 100).toFixed(1)}%</span>
                    </li>
                  ))}
                </ul>
                {peak && (
                  <p data-testid="ct-cam-peak" data-x={peak[0]} data-y={peak[1]} data-z={peak[2]}>
                    Activation map for {CLASS_LABEL[view.camClass]} peaks on slice {peak[2] + 1}{' '}
                    <button type="button" data-testid="ct-goto-peak" onClick={() => setCtView({ z: peak[2], showCam: true })}>
                      Show
                    </button>
                  </p>
                )}
                <p className="muted">
                  {result.samplings} sampling{result.samplings === 1 ? '' : 's'} of 16 slices averaged{ct.inferMs !== undefined ? ` in ${(ct.inferMs / 1000).toFixed(1)} s` : ''}.
                </p>
              </>
            )}
          </aside>
        </div>
      )}
    </DropSection>
  );
}
