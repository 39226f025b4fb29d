// The PNG export: the picture at full size with the boxes and keypoints the user sees drawn on it.
import { useStore } from '../../../app/store';
import { download } from '../../../io/download';
import { baseName, video } from '../actions';
import { visibleFaces } from '../core/types';
import { drawFaces } from './overlay';

export function exportPng(): void {
  const { source, faces, scoreThreshold } = useStore.getState().face;
  if (!source) return;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(source.bitmap ?? video, 0, 0, source.width, source.height);
  drawFaces(ctx, visibleFaces(faces, scoreThreshold), source.width, source.height);
  canvas.toBlob((blob) => blob && download(blob, `${baseName(source.name)}.faces.png`), 'image/png');
}
