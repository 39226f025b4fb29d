// Sample inputs bundled with the studio (served from its own origin, like the models): fetched when the user asks
// for one and opened exactly as a dropped file would be.

export interface SampleFile {
  url: string;
  name: string;
}

/** The sample's files as `File`s (named as on disk, so the readers recognise their formats). */
export async function fetchSampleFiles(files: SampleFile[]): Promise<File[]> {
  return Promise.all(
    files.map(async ({ url, name }) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
      return new File([await response.blob()], name);
    }),
  );
}

/** `{ url, name }` for every file of an `import.meta.glob(…, { query: '?url', import: 'default', eager: true })`. */
export function globbedFiles(glob: Record<string, unknown>): SampleFile[] {
  return Object.entries(glob).map(([path, url]) => ({ url: String(url), name: path.split('/').pop()! }));
}
