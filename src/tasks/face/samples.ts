// The Faces tab's samples: a portrait and a group photo, bundled from tests/fixtures.
import astronaut from '../../../tests/fixtures/astronaut.png?url';
import group from '../../../tests/fixtures/group.jpg?url';
import { fetchSampleFiles } from '../../io/samples';
import type { Sample } from '../../ui/Samples';
import { openFile, setAccurate } from './actions';

export const FACE_SAMPLES: Sample[] = [
  {
    id: 'portrait',
    label: 'Portrait',
    about: 'astronaut.png: Eileen Collins, NASA (public domain), from scikit-image',
    open: async () => openFile((await fetchSampleFiles([{ url: astronaut, name: 'astronaut.png' }]))[0]),
  },
  {
    id: 'group',
    label: 'Group (13 faces)',
    about: 'group.jpg: the same public-domain portrait at 13 sizes, some mirrored; opened in Accurate mode, which small faces need',
    open: async () => {
      setAccurate(true);
      await openFile((await fetchSampleFiles([{ url: group, name: 'group.jpg' }]))[0]);
    },
  },
];
