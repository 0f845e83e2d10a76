/**
 * The message body: a TipTap editor with a small toolbar, or a plain <textarea> when the person
 * switches to plain text. Runs under the renderer's CSP: TipTap's own <style> element is switched
 * off (`injectCSS: false`) and its rules live in RichEditor.css; images are inserted only as
 * data: URLs of raster types, links only as http(s) or mailto.
 */
import {
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ChangeEvent,
  type JSX,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
} from 'react';
import { EditorContent, useEditor, useEditorState, type Editor, type EditorOptions, type JSONContent } from '@tiptap/react';
import { StarterKit } from '@tiptap/starter-kit';
import { Image } from '@tiptap/extension-image';
import { Link } from '@tiptap/extension-link';
import {
  INLINE_IMAGE_TYPES,
  MOVED_STYLE_ATTRIBUTE,
  docToPlainText,
  isAllowedImageSrc,
  isAllowedLinkHref,
  neutralizeInlineStyles,
  normalizeLinkHref,
  plainTextToDoc,
  styleEmphasis,
} from '../../../shared/richtext';
import './RichEditor.css';

export interface RichValue {
  mode: 'rich' | 'plain';
  /** editor.getHTML() in rich mode; '' in plain mode (the message then has no HTML part). */
  html: string;
  /** The text/plain part: docToPlainText of the document, or the textarea's text. */
  text: string;
  /** TipTap JSON in rich mode. */
  doc?: unknown;
}

/** Largest image file that is inserted inline (it travels base64-encoded inside the message). */
export const MAX_INLINE_IMAGE_BYTES = 5 * 1024 * 1024;

const IMAGE_ACCEPT = INLINE_IMAGE_TYPES.join(',');

/** Images only as inline data: URLs; anything else pasted or dropped in is left out. */
const InlineImage = Image.extend({
  parseHTML() {
    return [{ tag: 'img[src]', getAttrs: (dom: HTMLElement) => (isAllowedImageSrc(dom.getAttribute('src')) ? null : false) }];
  },
  renderHTML({ HTMLAttributes }) {
    const { src, ...rest } = HTMLAttributes as Record<string, unknown>;
    return ['img', isAllowedImageSrc(src) ? { src, ...rest } : rest];
  },
}).configure({ inline: true, allowBase64: true });

/** Links only to http(s) and mailto; typing right after a link does not extend it. */
const SafeLink = Link.extend({ inclusive: false }).configure({
  openOnClick: false,
  autolink: true,
  linkOnPaste: true,
  defaultProtocol: 'https',
  isAllowedUri: (url) => isAllowedLinkHref(url),
  HTMLAttributes: { target: null, rel: 'noopener noreferrer' },
});

const EXTENSIONS = [StarterKit.configure({ link: false }), SafeLink, InlineImage];

const EMPHASIS_TAGS = { bold: ['B', 'STRONG', 'strong'], italic: ['I', 'EM', 'em'], underline: ['U', 'U', 'u'], strike: ['S', 'STRIKE', 's'] } as const;

/**
 * HTML from outside (a paste, a drop, a draft) without inline styles, which the CSP would report and
 * block even while parsing: bold, italic, underline and strike-through given by a style become tags,
 * and a tag a style makes normal (Google Docs' outer `<b style="font-weight:normal">`) a <span>.
 */
function htmlWithoutInlineStyles(html: string): string {
  const neutral = neutralizeInlineStyles(html);
  if (!neutral.includes(MOVED_STYLE_ATTRIBUTE)) return neutral;
  const doc = new DOMParser().parseFromString(neutral, 'text/html');
  for (const el of [...doc.body.querySelectorAll(`[${MOVED_STYLE_ATTRIBUTE}]`)]) {
    const emphasis = styleEmphasis(el.getAttribute(MOVED_STYLE_ATTRIBUTE) ?? '');
    el.removeAttribute(MOVED_STYLE_ATTRIBUTE);
    let target: Element = el;
    for (const kind of ['bold', 'italic', 'underline', 'strike'] as const) {
      const [tag, alt, wrapWith] = EMPHASIS_TAGS[kind];
      const on = emphasis[kind];
      if (on === false && (target.tagName === tag || target.tagName === alt)) {
        const span = doc.createElement('span');
        span.append(...target.childNodes);
        target.replaceWith(span);
        target = span;
      } else if (on === true && target.tagName !== tag && target.tagName !== alt) {
        const wrapper = doc.createElement(wrapWith);
        wrapper.append(...target.childNodes);
        target.append(wrapper);
      }
    }
  }
  return doc.body.innerHTML;
}

function initialContent(value: RichValue): JSONContent | string {
  if (value.mode === 'rich' && value.doc && typeof value.doc === 'object') return value.doc as JSONContent;
  if (value.mode === 'rich' && value.html) return htmlWithoutInlineStyles(value.html);
  return plainTextToDoc(value.text) as JSONContent;
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

const isImageType = (type: string) => (INLINE_IMAGE_TYPES as readonly string[]).includes(type);

interface ToolButton {
  key: string;
  label: string;
  content: ReactNode;
  pressed?: boolean;
  expanded?: boolean;
  shortcut?: string;
  disabled: boolean;
  run(): void;
}

/** What a parent may do to the editor from outside (the mail merge's "Insert field"). */
export interface RichEditorHandle {
  /** Puts text where the cursor was (rich or plain), replacing a selection, and focuses the editor. */
  insertText(text: string): void;
}

export function RichEditor(props: {
  label: string;
  value: RichValue;
  onChange(v: RichValue): void;
  disabled?: boolean;
  /** Filled with the editor's handle (insertText) while it is shown. */
  handleRef?: { current: RichEditorHandle | null };
}): JSX.Element {
  const disabled = props.disabled ?? false;
  const id = useId();
  const labelId = `${id}-label`;
  const hintId = `${id}-hint`;
  const statusId = `${id}-status`;
  const linkInputId = `${id}-link`;
  const linkErrorId = `${id}-link-error`;

  const [mode, setMode] = useState<RichValue['mode']>(props.value.mode);
  const [plainText, setPlainText] = useState(props.value.mode === 'plain' ? props.value.text : '');
  const [status, setStatus] = useState('');
  const [linkForm, setLinkForm] = useState<{ href: string; error: string; editing: boolean } | null>(null);
  const [toolIndex, setToolIndex] = useState(0);

  const onChangeRef = useRef(props.onChange);
  onChangeRef.current = props.onChange;
  /** Every value this component handed out, so a late echo from the parent is not applied back. */
  const emitted = useRef(new WeakSet<RichValue>());
  const [content] = useState(() => {
    emitted.current.add(props.value); // already shown: the sync below need not apply it again
    return initialContent(props.value);
  });
  /** The rich document and its text when the person switched to plain text (restored if the text is unchanged). */
  const beforePlain = useRef<{ doc: JSONContent; text: string } | null>(null);
  const focusAfterSwitch = useRef(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const linkInput = useRef<HTMLInputElement>(null);
  const toolRefs = useRef<Array<HTMLButtonElement | null>>([]);
  // Handlers the editor's props call; kept in refs so the props object stays the same.
  const openLinkRef = useRef<() => void>(() => {});
  const insertFilesRef = useRef<(files: File[], at?: number) => void>(() => {});

  const emit = (value: RichValue) => {
    emitted.current.add(value);
    onChangeRef.current(value);
  };
  const emitRich = (editor: Editor) => {
    const doc = editor.getJSON();
    emit({ mode: 'rich', html: editor.getHTML(), text: docToPlainText(doc), doc });
  };

  const editorProps = useMemo<EditorOptions['editorProps']>(
    () => ({
      attributes: {
        'aria-labelledby': labelId,
        'aria-multiline': 'true',
        'aria-disabled': disabled ? 'true' : 'false',
        class: 'rich-editor__content',
        spellcheck: 'true',
      },
      transformPastedHTML: htmlWithoutInlineStyles,
      handleKeyDown: (_view, event) => {
        if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k') {
          event.preventDefault();
          openLinkRef.current();
          return true;
        }
        return false;
      },
      handlePaste: (_view, event) => {
        const data = event.clipboardData;
        if (!data || data.getData('text/plain')) return false;
        const files = [...data.files].filter((f) => f.type.startsWith('image/'));
        if (!files.length) return false;
        event.preventDefault();
        insertFilesRef.current(files);
        return true;
      },
      handleDrop: (view, event, _slice, moved) => {
        if (moved) return false;
        const files = [...(event.dataTransfer?.files ?? [])].filter((f) => f.type.startsWith('image/'));
        if (!files.length) return false;
        event.preventDefault();
        insertFilesRef.current(files, view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos);
        return true;
      },
    }),
    [labelId, disabled],
  );

  const editor = useEditor({
    extensions: EXTENSIONS,
    content,
    injectCSS: false,
    editable: !disabled,
    immediatelyRender: true,
    shouldRerenderOnTransaction: false,
    editorProps,
    onUpdate: ({ editor: e }) => emitRich(e),
  });

  const active = useEditorState({
    editor,
    selector: ({ editor: e }) =>
      e
        ? {
            bold: e.isActive('bold'),
            italic: e.isActive('italic'),
            link: e.isActive('link'),
            bulletList: e.isActive('bulletList'),
            orderedList: e.isActive('orderedList'),
            blockquote: e.isActive('blockquote'),
          }
        : null,
  });

  useEffect(() => {
    if (editor && editor.isEditable === disabled) editor.setEditable(!disabled, false);
    if (disabled) setLinkForm(null);
  }, [editor, disabled]);

  // The parent may replace the value (a new message, a draft taken back): show it.
  useEffect(() => {
    const value = props.value;
    if (!editor || emitted.current.has(value)) return;
    if (value.mode === 'plain') {
      setMode('plain');
      setPlainText((t) => (t === value.text ? t : value.text));
      beforePlain.current = null;
      return;
    }
    setMode('rich');
    if (value.html === editor.getHTML()) return;
    editor.chain().setMeta('addToHistory', false).setContent(initialContent(value), { emitUpdate: false }).run();
  }, [editor, props.value]);

  useEffect(() => {
    if (!focusAfterSwitch.current) return;
    focusAfterSwitch.current = false;
    if (mode === 'plain') textarea.current?.focus();
    else editor?.commands.focus();
  }, [mode, editor]);

  const linkFormOpen = linkForm !== null;
  useEffect(() => {
    if (linkFormOpen) linkInput.current?.focus();
  }, [linkFormOpen]);

  function switchMode() {
    if (!editor) return;
    focusAfterSwitch.current = true;
    setLinkForm(null);
    setStatus('');
    if (mode === 'rich') {
      const doc = editor.getJSON();
      const text = docToPlainText(doc);
      beforePlain.current = { doc, text };
      setPlainText(text);
      setMode('plain');
      emit({ mode: 'plain', html: '', text });
    } else {
      const saved = beforePlain.current;
      const doc = saved && saved.text === plainText ? saved.doc : (plainTextToDoc(plainText) as JSONContent);
      beforePlain.current = null;
      editor.commands.setContent(doc, { emitUpdate: false });
      setMode('rich');
      emitRich(editor);
    }
  }

  function openLinkForm() {
    if (!editor || disabled || mode !== 'rich') return;
    const href = editor.getAttributes('link').href;
    setLinkForm({ href: typeof href === 'string' ? href : '', error: '', editing: editor.isActive('link') });
  }
  openLinkRef.current = openLinkForm;

  function closeLinkForm() {
    setLinkForm(null);
    editor?.commands.focus();
  }

  function applyLink() {
    if (!editor || !linkForm) return;
    const href = normalizeLinkHref(linkForm.href);
    if (!href) {
      setLinkForm({ ...linkForm, error: 'Use a web address (https://…) or an email address.' });
      return;
    }
    const { empty } = editor.state.selection;
    if (empty && !editor.isActive('link')) {
      const text = href.toLowerCase().startsWith('mailto:') ? href.slice('mailto:'.length) : href;
      editor
        .chain()
        .focus()
        .insertContent({ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] })
        .unsetMark('link')
        .run();
    } else {
      editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
    }
    setLinkForm(null);
  }

  function removeLink() {
    editor?.chain().focus().extendMarkRange('link').unsetLink().run();
    setLinkForm(null);
  }

  async function insertImages(files: File[], at?: number) {
    if (!editor) return;
    const problems: string[] = [];
    let position = at;
    for (const file of files) {
      if (!isImageType(file.type)) {
        problems.push(`${file.name} is not a PNG, JPEG, GIF or WebP image.`);
        continue;
      }
      if (file.size > MAX_INLINE_IMAGE_BYTES) {
        problems.push(`${file.name} is larger than 5 MB. Attach it as a file instead.`);
        continue;
      }
      let src: string;
      try {
        src = await readAsDataUrl(file);
      } catch {
        problems.push(`${file.name} could not be read.`);
        continue;
      }
      if (!isAllowedImageSrc(src) || editor.isDestroyed) {
        problems.push(`${file.name} could not be read as an image.`);
        continue;
      }
      const node = { type: 'image', attrs: { src, alt: file.name } };
      if (position === undefined) editor.chain().focus().insertContent(node).run();
      else {
        editor.chain().focus().insertContentAt(position, node).run();
        position += 1;
      }
    }
    setStatus(problems.join(' '));
  }
  insertFilesRef.current = (files, at) => void insertImages(files, at);

  function onFiles(event: ChangeEvent<HTMLInputElement>) {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    if (files.length) void insertImages(files);
  }

  function onPlainChange(event: ChangeEvent<HTMLTextAreaElement>) {
    setPlainText(event.target.value);
    emit({ mode: 'plain', html: '', text: event.target.value });
  }

  const rich = mode === 'rich';
  const off = disabled || !rich || !editor;
  const chain = () => editor!.chain().focus();
  const tools: ToolButton[] = [
    { key: 'bold', label: 'Bold', content: <b>B</b>, pressed: !!active?.bold, shortcut: 'Control+B', disabled: off, run: () => chain().toggleBold().run() },
    { key: 'italic', label: 'Italic', content: <i>I</i>, pressed: !!active?.italic, shortcut: 'Control+I', disabled: off, run: () => chain().toggleItalic().run() },
    {
      key: 'link',
      label: 'Link',
      content: 'Link',
      pressed: !!active?.link,
      expanded: linkForm !== null,
      shortcut: 'Control+K',
      disabled: off,
      run: () => (linkForm ? closeLinkForm() : openLinkForm()),
    },
    { key: 'bullets', label: 'Bulleted list', content: '• List', pressed: !!active?.bulletList, disabled: off, run: () => chain().toggleBulletList().run() },
    { key: 'numbers', label: 'Numbered list', content: '1. List', pressed: !!active?.orderedList, disabled: off, run: () => chain().toggleOrderedList().run() },
    { key: 'quote', label: 'Quote', content: '“ Quote', pressed: !!active?.blockquote, disabled: off, run: () => chain().toggleBlockquote().run() },
    { key: 'image', label: 'Insert image', content: 'Image…', disabled: off, run: () => fileInput.current?.click() },
    { key: 'plain', label: 'Plain text', content: 'Plain text', pressed: !rich, disabled: disabled || !editor, run: switchMode },
  ];
  // Roving tab stop: the toolbar is one stop in the tab order, arrow keys move within it.
  const enabled = tools.map((t, i) => (t.disabled ? -1 : i)).filter((i) => i >= 0);
  const tabStop = enabled.includes(toolIndex) ? toolIndex : (enabled[0] ?? -1);

  function onToolbarKey(event: ReactKeyboardEvent<HTMLDivElement>) {
    if (!enabled.length) return;
    const at = Math.max(0, enabled.indexOf(tabStop));
    let next: number | undefined;
    if (event.key === 'ArrowRight') next = enabled[(at + 1) % enabled.length];
    else if (event.key === 'ArrowLeft') next = enabled[(at - 1 + enabled.length) % enabled.length];
    else if (event.key === 'Home') next = enabled[0];
    else if (event.key === 'End') next = enabled[enabled.length - 1];
    if (next === undefined) return;
    event.preventDefault();
    setToolIndex(next);
    toolRefs.current[next]?.focus();
  }

  function onLinkKey(event: ReactKeyboardEvent<HTMLInputElement>) {
    // Enter must not submit the compose form around the editor.
    if (event.key === 'Enter') {
      event.preventDefault();
      event.stopPropagation();
      applyLink();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      closeLinkForm();
    }
  }

  const focusBody = () => (rich ? editor?.commands.focus() : textarea.current?.focus());

  if (props.handleRef)
    props.handleRef.current = {
      insertText(text) {
        if (disabled) return;
        // The editor keeps its selection while focus is elsewhere: focus() puts the cursor back there.
        if (rich) {
          editor?.chain().focus().insertContent({ type: 'text', text }).run();
          return;
        }
        const area = textarea.current;
        if (!area) return;
        const start = area.selectionStart;
        const next = area.value.slice(0, start) + text + area.value.slice(area.selectionEnd);
        setPlainText(next);
        emit({ mode: 'plain', html: '', text: next });
        requestAnimationFrame(() => {
          area.focus();
          area.setSelectionRange(start + text.length, start + text.length);
        });
      },
    };

  return (
    <div className={`rich-editor${disabled ? ' rich-editor--disabled' : ''}`}>
      <div className="rich-editor__label" id={labelId} onClick={focusBody}>
        {props.label}
      </div>
      <div className="rich-editor__frame">
        <div className="rich-editor__toolbar" role="toolbar" aria-label="Formatting" onKeyDown={onToolbarKey}>
          {tools.map((tool, i) => (
            <button
              key={tool.key}
              ref={(el) => {
                toolRefs.current[i] = el;
              }}
              type="button"
              className={`rich-editor__tool rich-editor__tool--${tool.key}`}
              aria-label={tool.label}
              title={tool.shortcut ? `${tool.label} (${tool.shortcut.replace('Control', 'Ctrl')})` : tool.label}
              aria-pressed={tool.pressed === undefined ? undefined : tool.pressed}
              aria-expanded={tool.expanded}
              aria-keyshortcuts={tool.shortcut}
              disabled={tool.disabled}
              tabIndex={i === tabStop ? 0 : -1}
              // Keep the editor's selection while clicking a tool.
              onMouseDown={(e) => e.preventDefault()}
              onFocus={() => setToolIndex(i)}
              onClick={() => tool.run()}
            >
              {tool.content}
            </button>
          ))}
        </div>
        {linkForm && rich ? (
          <div className="rich-editor__linkform">
            <label htmlFor={linkInputId}>Link address</label>
            <input
              id={linkInputId}
              ref={linkInput}
              type="text"
              inputMode="url"
              spellCheck={false}
              autoCapitalize="off"
              placeholder="https://example.org or name@example.org"
              value={linkForm.href}
              aria-invalid={linkForm.error ? true : undefined}
              aria-describedby={linkForm.error ? linkErrorId : undefined}
              onChange={(e) => setLinkForm({ ...linkForm, href: e.target.value, error: '' })}
              onKeyDown={onLinkKey}
              // Its Escape closes this form, not the compose window (ComposeWindow.tsx leaves such keys alone).
              data-own-escape=""
            />
            <button type="button" onClick={applyLink}>
              Apply link
            </button>
            {linkForm.editing ? (
              <button type="button" onClick={removeLink}>
                Remove link
              </button>
            ) : null}
            <button type="button" onClick={closeLinkForm}>
              Cancel
            </button>
            {linkForm.error ? (
              <p className="rich-editor__error" id={linkErrorId} role="alert">
                {linkForm.error}
              </p>
            ) : null}
          </div>
        ) : null}
        {rich ? (
          <EditorContent editor={editor} className="rich-editor__surface" />
        ) : (
          <textarea
            ref={textarea}
            className="rich-editor__plain"
            aria-labelledby={labelId}
            aria-describedby={hintId}
            value={plainText}
            disabled={disabled}
            onChange={onPlainChange}
          />
        )}
      </div>
      {!rich ? (
        <p className="rich-editor__hint" id={hintId}>
          Plain text: no formatting or images. Switch back before editing to keep the formatting you had.
        </p>
      ) : null}
      <p className="rich-editor__status" id={statusId} role="status" aria-live="polite">
        {status}
      </p>
      <input
        ref={fileInput}
        type="file"
        accept={IMAGE_ACCEPT}
        multiple
        hidden
        tabIndex={-1}
        aria-label="Image file"
        onChange={onFiles}
      />
    </div>
  );
}
