import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { GalleryItem } from '../store';
import { photoBitmap, selectPhoto } from '../actions';
import './gallery.css';

const THUMB = 72;

function Thumb({ item }: { item: GalleryItem }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const bitmap = photoBitmap(item.id);
    if (!c || !bitmap) return;
    const scale = THUMB / Math.max(item.width, item.height);
    c.width = Math.max(1, Math.round(item.width * scale));
    c.height = Math.max(1, Math.round(item.height * scale));
    c.getContext('2d')?.drawImage(bitmap, 0, 0, c.width, c.height);
  }, [item]);
  return <canvas ref={canvas} aria-hidden="true" />;
}

/** The dropped or picked photos as thumbnail buttons (arrow keys move between them); the pressed one is shown. */
export function Gallery({ items, selected, notes }: { items: GalleryItem[]; selected?: number; notes: string[] }) {
  const list = useRef<HTMLDivElement>(null);
  if (items.length < 2 && notes.length === 0) return null;
  const onKey = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : step ? (index + step + items.length) % items.length : -1;
    if (to < 0) return;
    e.preventDefault();
    list.current?.querySelectorAll<HTMLButtonElement>('button')[to]?.focus();
    void selectPhoto(items[to].id);
  };
  return (
    <section className="face-gallery" aria-label="Photos">
      {items.length > 1 && (
        <div className="face-thumbs" ref={list} role="group" aria-label={`${items.length} photos: choose one to show`} data-testid="face-gallery">
          {items.map((item, i) => (
            <button
              key={item.id}
              type="button"
              className="face-thumb"
              data-testid="face-thumb"
              data-name={item.name}
              aria-pressed={item.id === selected}
              aria-label={`Photo ${i + 1} of ${items.length}: ${item.name}`}
              title={`${item.name} · ${item.width}×${item.height}`}
              onClick={() => void selectPhoto(item.id)}
              onKeyDown={(e) => onKey(e, i)}
            >
              <Thumb item={item} />
            </button>
          ))}
        </div>
      )}
      {notes.length > 0 && (
        <div role="status">
        <ul className="warning face-gallery-notes" data-testid="face-gallery-notes">
          {notes.map((n, i) => (
            <li key={i} data-testid="face-gallery-note">
              {n}
            </li>
          ))}
        </ul>
        </div>
      )}
    </section>
  );
}
