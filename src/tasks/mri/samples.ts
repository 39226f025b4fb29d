// The MRI tab's sample: the synthetic short-axis cine of the e2e tests (Apache-2.0, no patient data).
import cine from '../../../tests/fixtures/mri/sax_phantom_image.nii.gz?url';
import { fetchSampleFiles } from '../../io/samples';
import type { Sample } from '../../ui/Samples';
import { openMriFiles } from './actions';

export const MRI_SAMPLES: Sample[] = [
  {
    id: 'cine',
    label: 'Cardiac cine (phantom)',
    about: 'sax_phantom_image.nii.gz: a synthetic short-axis cine, 8 slices × 8 frames, made by training/mri (Apache-2.0, not patient data)',
    open: async () => openMriFiles(await fetchSampleFiles([{ url: cine, name: 'sax_phantom_image.nii.gz' }])),
  },
];
