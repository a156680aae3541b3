/**
 * A data path that names an http(s) URL pinned by the sha256 of the file:
 * `https://host/file.zip#sha256=<64 hex digits>`. Each process that runs the job downloads it
 * itself; the pin makes every one of them train on the same bytes (the fragment is never sent
 * to the server).
 */
export interface PinnedUrl {
  /** What is downloaded: the spec's URL without its `#sha256=…` fragment. */
  url: string;
  /** The file's sha256, lowercase hex. */
  sha256: string;
  /** The URL's last path segment (`file.zip`), for messages and progress. */
  name: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const PIN = /^#sha256=([0-9a-fA-F]{64})$/;

/** The scheme of a `scheme://…` path, lowercase; undefined for a plain path. */
export function urlScheme(path: string): string | undefined {
  return SCHEME.exec(path)?.[1]?.toLowerCase();
}

const isHttp = (scheme: string | undefined) => scheme === 'http' || scheme === 'https';

function parseUrl(path: string): URL | undefined {
  try {
    return new URL(path);
  } catch {
    return undefined;
  }
}

/**
 * The URL and sha256 a data path pins; undefined for a path that is no http(s) URL, or whose
 * pin is missing or malformed (which validation refuses: {@link dataPathProblem}).
 */
export function pinnedUrl(path: string): PinnedUrl | undefined {
  if (!isHttp(urlScheme(path))) return undefined;
  const url = parseUrl(path);
  const sha256 = url && PIN.exec(url.hash)?.[1];
  if (!url || !sha256) return undefined;
  url.hash = '';
  return { url: url.href, sha256: sha256.toLowerCase(), name: fileNameOf(url) };
}

/** The URL's last path segment, decoded: the file's name. */
function fileNameOf(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last) || 'file';
  } catch {
    return last;
  }
}

/**
 * Why a spec may not name its data `path`, or undefined when it may: a local path, a `file://`
 * URL or a pinned http(s) URL. An http(s) URL without its `#sha256=` pin, an s3:// URL and any
 * other scheme are refused, saying what to write instead.
 */
export function dataPathProblem(path: string): string | undefined {
  const scheme = urlScheme(path);
  if (scheme === undefined || scheme === 'file') return undefined;
  if (scheme === 's3') {
    return `${path} is an s3:// URL, which metatrain does not download; name the data by an https:// URL pinned by its sha256 (a presigned URL works), by a catalog dataset, or put it in the cluster's METATRAIN_DATA_DIR`;
  }
  if (!isHttp(scheme)) return `${path} is a ${scheme}:// URL; data is a local path, a file:// URL, or an http(s):// URL pinned by #sha256=<the file's sha256>`;
  const url = parseUrl(path);
  if (!url) return `${path} is not a valid URL`;
  const pin = `#sha256=<the file's sha256> (sha256sum ${fileNameOf(url)} prints it)`;
  if (url.hash === '') return `${path} is not pinned: end the URL with ${pin}, so that every machine trains on the same bytes`;
  if (!PIN.test(url.hash)) return `${path} has the fragment ${url.hash}; a URL's fragment must be ${pin}, 64 hex digits`;
  return undefined;
}
