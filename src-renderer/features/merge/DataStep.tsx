import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { MERGE_DATA_MAX_BYTES, type MergeCheck, type MergeData, type MergeMapping, type MergeSource } from '../../../shared/merge/contract';
import type { AppError } from '../../../shared/result';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { formatBytes } from '../../ui/format';
import { plural, readAsText, rowProblemText } from './merge-text';

/** A file's bytes as base64, by the browser's own encoder (a data: URL without its prefix). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === 'string' ? reader.result : '';
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

const RAGGED_SHOWN = 10;

/**
 * Step 1: the data. A CSV or TSV file, or rows pasted; then, before anything else, how many rows will
 * be sent and how many are left out, the column with the addresses, the columns that must not be empty,
 * every row left out with why, and the first rows as read.
 */
export function DataStep(props: {
  data: MergeData | null;
  loading: boolean;
  loadError: AppError | string | null;
  onLoadError: (error: string) => void;
  mapping: MergeMapping | null;
  check: MergeCheck | null;
  checkError: AppError | null;
  onLoad: (source: MergeSource) => void;
  onMapping: (mapping: MergeMapping) => void;
  onNext: () => void;
  canNext: boolean;
}) {
  const { data, check, mapping } = props;
  const id = useId();
  const [pasted, setPasted] = useState('');
  const [pasteOpen, setPasteOpen] = useState(false);
  const showPaste = !data || pasteOpen || pasted !== '';
  const pasteBox = useRef<HTMLTextAreaElement>(null);
  // Unfolded by its button: the cursor goes into the box.
  useEffect(() => {
    if (pasteOpen) pasteBox.current?.focus();
  }, [pasteOpen]);

  async function open(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size === 0) return props.onLoadError(`“${file.name}” is empty.`);
    if (file.size > MERGE_DATA_MAX_BYTES) return props.onLoadError(`“${file.name}” is ${formatBytes(file.size)}; a merge’s data may be at most ${formatBytes(MERGE_DATA_MAX_BYTES)}.`);
    let data: string;
    try {
      data = await readBase64(file);
    } catch {
      return props.onLoadError(`“${file.name}” could not be read.`);
    }
    props.onLoad({ kind: 'file', name: file.name.slice(0, 255), data });
  }

  const toggleRequired = (column: string, on: boolean) => {
    if (!mapping) return;
    const required = on ? [...mapping.required, column] : mapping.required.filter((c) => c !== column);
    props.onMapping({ ...mapping, required: data ? data.columns.filter((c) => required.includes(c)) : required });
  };

  return (
    <section aria-labelledby={`${id}-heading`} className="merge-step">
      <h2 id={`${id}-heading`} tabIndex={-1} data-step-heading="">
        Data
      </h2>
      <p className="muted">One message goes to each row. The first row names the columns (Name, Email, Company…).</p>
      <div className="merge-data-source">
        <div className="field">
          <label htmlFor={`${id}-file`}>Data file (CSV or TSV)</label>
          <input id={`${id}-file`} type="file" accept=".csv,.tsv,.tab,.txt,text/csv,text/tab-separated-values,text/plain" disabled={props.loading} onChange={(e) => void open(e)} />
        </div>
        {/* Once a file is read, the paste box folds away so the count of rows comes next, in view. */}
        {showPaste ? (
          <div className="merge-paste">
            <Field label="Paste rows" hint="Or copy the cells with their header row from a spreadsheet and paste them here.">
              {({ id: pasteId, describedBy }) => (
                <textarea id={pasteId} ref={pasteBox} aria-describedby={describedBy} spellCheck={false} value={pasted} onChange={(e) => setPasted(e.target.value)} />
              )}
            </Field>
            <div className="actions actions--start">
              <button type="button" disabled={!pasted.trim() || props.loading} onClick={() => props.onLoad({ kind: 'paste', text: pasted })}>
                Use pasted rows
              </button>
            </div>
          </div>
        ) : (
          <div className="merge-paste merge-paste--folded">
            <button type="button" aria-expanded="false" onClick={() => setPasteOpen(true)}>
              Paste rows instead…
            </button>
          </div>
        )}
      </div>
      <p role="status" className={props.loading ? 'muted' : 'visually-hidden-status'}>
        {props.loading ? 'Reading the data…' : ''}
      </p>
      {props.loadError ? (
        typeof props.loadError === 'string' ? (
          <p className="notice notice--error" role="alert">
            {props.loadError}
          </p>
        ) : (
          <ErrorNotice error={props.loadError} context="The data was not opened" />
        )
      ) : null}

      {data ? (
        <>
          <p className="merge-count" role="status" aria-label="Rows to send">
            {check ? (
              <>
                <strong>{plural(check.good, 'row')} will be sent</strong> · {check.leftOut.toLocaleString()} left out
              </>
            ) : mapping ? (
              'Checking the rows…'
            ) : (
              'Choose the column with the email address.'
            )}
          </p>
          {check && check.good === 0 ? (
            <p className="notice notice--error" role="alert">
              No row can be sent: check the address column and the columns that must not be empty.
            </p>
          ) : null}
          {props.checkError ? <ErrorNotice error={props.checkError} context="The rows were not checked" /> : null}
          <p className="muted">
            {data.source}: {plural(data.rowCount, 'row')} and {plural(data.columns.length, 'column')}. {readAsText(data)}
          </p>
          {data.ragged.length ? (
            <p className="notice notice--warning" role="note">
              {data.ragged.length === 1 ? 'Row' : 'Rows'} {data.ragged.slice(0, RAGGED_SHOWN).join(', ')}
              {data.ragged.length > RAGGED_SHOWN ? ` and ${data.ragged.length - RAGGED_SHOWN} more` : ''} {data.ragged.length === 1 ? 'has' : 'have'} more or fewer fields than the
              header: a missing field is read as empty, an extra one is ignored. Check {data.ragged.length === 1 ? 'it' : 'them'} in the file.
            </p>
          ) : null}
          <Field label="Column with the email address" hint={data.addressColumn ? undefined : 'No column looks like it holds addresses: choose it.'}>
            {({ id: selectId, describedBy }) => (
              <select
                id={selectId}
                aria-describedby={describedBy}
                value={mapping?.addressColumn ?? ''}
                onChange={(e) => e.target.value && props.onMapping({ addressColumn: e.target.value, required: mapping?.required ?? [] })}
              >
                {mapping ? null : <option value="">Choose…</option>}
                {data.columns.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset className="merge-required" disabled={!mapping}>
            <legend>Columns that must not be empty</legend>
            <p className="field__hint">A row with one of these empty is left out, not sent with a gap.</p>
            <div className="merge-required__list">
              {data.columns
                .filter((c) => c !== mapping?.addressColumn)
                .map((c) => (
                  <label key={c} className="checkbox">
                    <input type="checkbox" checked={mapping?.required.includes(c) ?? false} onChange={(e) => toggleRequired(c, e.target.checked)} />
                    {c}
                  </label>
                ))}
            </div>
          </fieldset>
          {check && check.leftOut > 0 ? (
            <section aria-labelledby={`${id}-left`} className="merge-left">
              <h3 id={`${id}-left`}>Left out: {plural(check.leftOut, 'row')} (never sent)</h3>
              <ul className="merge-left__list">
                {check.left.map((l) => (
                  <li key={l.row}>
                    <span className="merge-left__row">Row {l.row}:</span> {l.problems.map(rowProblemText).join('; ') || 'no usable address'}
                  </li>
                ))}
              </ul>
              {check.leftOut > check.left.length ? <p className="muted">…and {plural(check.leftOut - check.left.length, 'more row')} not listed here.</p> : null}
            </section>
          ) : null}
          {data.sample.length ? (
            <div className="merge-sample" role="region" aria-labelledby={`${id}-sample`} tabIndex={0}>
              <table>
                <caption id={`${id}-sample`}>The first rows as read</caption>
                <thead>
                  <tr>
                    {data.columns.map((c) => (
                      <th key={c} scope="col">
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.sample.map((row, i) => (
                    <tr key={i}>
                      {data.columns.map((c) => (
                        <td key={c}>{row[c] ?? ''}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
      <div className="actions">
        <button type="button" className="primary" disabled={!props.canNext} onClick={props.onNext}>
          Next: message
        </button>
      </div>
    </section>
  );
}
