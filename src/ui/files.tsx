import { useRef, useState, type ReactNode } from 'react';
import { filesFromDrop } from '../io/dropped';

/** A task view that accepts files (and dropped folders) dropped anywhere on it, outlined while dragging. */
export function DropSection({ testid, onFiles, children }: { testid: string; onFiles: (files: File[]) => void; children: ReactNode }) {
  const [dragging, setDragging] = useState(false);
  return (
    <section
      className={`task-view${dragging ? ' dragging' : ''}`}
      data-testid={testid}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void filesFromDrop(e.dataTransfer).then((files) => files.length > 0 && onFiles(files));
      }}
    >
      {children}
    </section>
  );
}

/**
 * A real button (keyboard, screen readers) that opens the file picker, or a folder picker with `directory`. The input
 * stays hidden and is reset, so the same file can be chosen again.
 */
export function FileButton({ label, testid, accept, multiple, directory, title, onFiles }: { label: string; testid: string; accept?: string; multiple?: boolean; directory?: boolean; title?: string; onFiles: (files: File[]) => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="button" title={title} onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        aria-label={label}
        multiple={multiple || directory}
        data-testid={testid}
        accept={accept}
        {...(directory ? { webkitdirectory: '' } : {})}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </>
  );
}
