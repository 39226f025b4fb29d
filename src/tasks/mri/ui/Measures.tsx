import { cardiacFunction, STRUCTURES } from '../core/measures';
import type { MriMeasures } from '../core/pipeline';

const f1 = (n: number) => n.toFixed(1);

/** Volumes per frame with ED/ES choice, cardiac function, and the current frame's per-slice areas. */
export function Measures({ measures, ed, es, t, hasThickness, onEdEs }: { measures: MriMeasures; ed: number; es: number; t: number; hasThickness: boolean; onEdEs: (ed: number, es: number) => void }) {
  const frames = measures.volumesMl.length;
  const fn = frames > 1 ? cardiacFunction(measures.volumesMl[ed], measures.volumesMl[es]) : undefined;
  return (
    <div className="measures">
      {fn && (
        <div className="function" data-testid="mri-function" data-ef={fn.efPercent.toFixed(2)} data-edv={fn.edvMl.toFixed(2)} data-esv={fn.esvMl.toFixed(2)} data-mass={fn.massG.toFixed(2)}>
          <div>
            <span className="big">{f1(fn.efPercent)}%</span> LV ejection fraction
          </div>
          <div className="muted">
            EDV {f1(fn.edvMl)} mL · ESV {f1(fn.esvMl)} mL · SV {f1(fn.svMl)} mL · myocardial mass {f1(fn.massG)} g
          </div>
        </div>
      )}
      {hasThickness && (
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
    </div>
  );
}
