// The CT tab's samples: the synthetic COVID-19 and healthy DICOM series of the e2e tests (Apache-2.0, no patient data).
import { fetchSampleFiles, globbedFiles } from '../../io/samples';
import type { Sample } from '../../ui/Samples';
import { openCtFiles } from './actions';

const covid = globbedFiles(import.meta.glob('../../../tests/fixtures/ct/covid19_dicom/*.dcm', { query: '?url', import: 'default', eager: true }));
const healthy = globbedFiles(import.meta.glob('../../../tests/fixtures/ct/healthy_dicom/*.dcm', { query: '?url', import: 'default', eager: true }));

export const CT_SAMPLES: Sample[] = [
  { id: 'covid19', label: 'COVID-19 series (phantom)', about: '36 DICOM slices of a synthetic chest CT with COVID-19 ground glass, made by training/ct (Apache-2.0, not patient data)', open: async () => openCtFiles(await fetchSampleFiles(covid)) },
  { id: 'healthy', label: 'Healthy series (phantom)', about: '36 DICOM slices of a synthetic healthy chest CT, made by training/ct (Apache-2.0, not patient data)', open: async () => openCtFiles(await fetchSampleFiles(healthy)) },
];
