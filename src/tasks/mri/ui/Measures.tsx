import { cardiacFunction, STRUCTURES } from '../core/measures';
import type { MriMeasures } from '../core/pipeline';

const f1 = (n: number) => n.toFixed(1);

/** Volumes per frame with ED/ES choice, cardiac function, and the current frame's per-slice areas. */
export function Measures({ measures, ed, es, t, pixelKnown, thicknessKnown, onEdEs }: { measures: MriMeasures; ed: number; es: number; t: number; pixelKnown: boolean; thicknessKnown: boolean; onEdEs: (ed: number, es: number) => void }) {
  const frames = measures.volumesMl.length;
  const fn = frames > 1 && thicknessKnown ? cardiacFunction(measures.volumesMl[ed], measures.volumesMl[es]) : undefined;
  return (
    <div className="measures">
      {frames === 1 && (
        <p className="muted" data-testid="mri-ef-needs-cine">
          EF needs a cine: this scan has one frame, so volumes are shown but no ejection fraction (it compares the largest and smallest LV volume over a heartbeat).
        </p>
      )}
      {fn && fn.edvMl <= 0 && (
        <p className="muted" data-testid="mri-no-lv">
          No left-ventricular blood pool was found at end-diastole, so there is no ejection fraction to show.
        </p>
      )}
      {fn && fn.edvMl > 0 && (
        <div className="function" data-testid="mri-function" data-ef={fn.efPercent.toFixed(2)} data-edv={fn.edvMl.toFixed(2)} data-esv={fn.esvMl.toFixed(2)} data-mass={fn.massG.toFixed(2)}>
          <div>
            <span className="big">{f1(fn.efPercent)}%</span> LV ejection fraction
          </div>
          <div className="muted">
            EDV {f1(fn.edvMl)} mL · ESV {f1(fn.esvMl)} mL · SV {f1(fn.svMl)} mL · myocardial mass {f1(fn.massG)} g
          </div>
        </div>
      )}
      {!thicknessKnown && (
        <p className="muted" data-testid="mri-needs-geometry">
          {pixelKnown ? 'Set the slice spacing' : 'Set the pixel size and slice spacing'} of this image stack to get volumes{frames > 1 ? ' and the ejection fraction' : ''}: image files do not carry them.
        </p>
      )}
      {thicknessKnown && (
        <table className="volumes" data-testid="mri-volumes">
          <thead>
            <tr>
              <th>frame</th>
              {STRUCTURES.map((s) => (
                <th key={s}>{s} mL</th>
              ))}
              {frames > 1 && <th>ED</th>}
              {frames > 1 && <th>ES</th>}
            </tr>
          </thead>
          <tbody>
            {measures.volumesMl.map((v, i) => (
              <tr key={i} className={i === t ? 'current' : ''}>
                <td>
                  {i}
                  {i === measures.suggested.ed ? ' (ED?)' : i === measures.suggested.es && frames > 1 ? ' (ES?)' : ''}
                </td>
                {STRUCTURES.map((s) => (
                  <td key={s}>{f1(v[s])}</td>
                ))}
                {frames > 1 && (
                  <td>
                    <input type="radio" name="ed" aria-label={`frame ${i} is end-diastole`} data-testid={`mri-ed-${i}`} checked={ed === i} onChange={() => onEdEs(i, es)} />
                  </td>
                )}
                {frames > 1 && (
                  <td>
                    <input type="radio" name="es" aria-label={`frame ${i} is end-systole`} data-testid={`mri-es-${i}`} checked={es === i} onChange={() => onEdEs(ed, i)} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pixelKnown && (
        <table className="volumes" data-testid="mri-areas">
          <thead>
            <tr>
              <th>slice</th>
              {STRUCTURES.map((s) => (
                <th key={s}>{s} mm²</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {measures.areasMm2[t].map((a, z) => (
              <tr key={z}>
                <td>{z}</td>
                {STRUCTURES.map((s) => (
                  <td key={s}>{a[s].toFixed(0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
