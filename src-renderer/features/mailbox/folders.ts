import type { Folder, FolderRole } from '../../../shared/mail';

const ROLE_LABEL: Record<FolderRole, string> = {
  inbox: 'Inbox',
  sent: 'Sent',
  drafts: 'Drafts',
  trash: 'Trash',
  junk: 'Junk',
  archive: 'Archive',
  all: 'All mail',
  flagged: 'Flagged',
};

/** Symbols that common UI fonts carry (DejaVu, Segoe UI Symbol), not emoji that may show as boxes. */
export const ROLE_ICON: Record<FolderRole | 'other', string> = {
  inbox: '✉',
  sent: '➤',
  drafts: '✎',
  trash: '✖',
  junk: '⚠',
  archive: '▤',
  all: '☰',
  flagged: '⚑',
  other: '▸',
};

const ORDER: FolderRole[] = ['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive'];

/** The role's name for special folders (servers call the inbox "INBOX"), else the folder's own name. */
export function folderLabel(folder: Folder): string {
  return folder.role ? ROLE_LABEL[folder.role] : folder.name;
}

/** How deep a folder sits, from its path and delimiter, for indentation. */
export function folderDepth(folder: Folder): number {
  return folder.delimiter ? folder.path.split(folder.delimiter).length - 1 : 0;
}

/** Inbox, Sent, Drafts, Trash, Junk, Archive first; then the rest in the server's tree order (by path). */
export function sortFolders(folders: Folder[]): Folder[] {
  const rank = (f: Folder) => {
    const i = f.role ? ORDER.indexOf(f.role) : -1;
    return i === -1 ? ORDER.length : i;
  };
  return [...folders].sort((a, b) => rank(a) - rank(b) || (rank(a) === ORDER.length ? a.path.localeCompare(b.path) : 0));
}
