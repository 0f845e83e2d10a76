/**
 * A folder's messages as pages of 100, fetched only when rows come into view and cached by offset,
 * so a folder of any size costs a page per screenful. A search result is fetched whole (the
 * server answers at most SEARCH_LIMIT) and cut into the same pages.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageSummary } from '../../../shared/mail';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';

export const PAGE_SIZE = 100;
export const SEARCH_LIMIT = 500;

export type SearchField = 'from' | 'subject' | 'either';
export interface ListSource {
  accountId: string;
  folder: string;
  search: { query: string; field: SearchField } | null;
}

export interface MessagePages {
  /** Rows in the folder (or matches); null until the first answer. */
  total: number | null;
  /** Matches the server found when a search returned only the newest SEARCH_LIMIT of them. */
  matches: number | null;
  error: AppError | null;
  row(index: number): MessageSummary | undefined;
  /** Asks for the pages that cover these rows, if not cached or on their way. */
  ensure(first: number, last: number): void;
  /** Drops the cache and fetches what is in view again (mail:changed, after a move). */
  reload(): void;
  patch(uid: number, change: Partial<MessageSummary>): void;
  /** Changes whenever rows arrive, so components re-render. */
  version: number;
}

const pageOf = (index: number) => Math.floor(index / PAGE_SIZE) * PAGE_SIZE;
/**
 * Pages asked for at once. Main answers them one after another over one connection, so on a fast
 * scroll the rest wait: when one arrives, only pages still in view are asked for, and the pages
 * scrolled past on the way are never fetched.
 */
const MAX_IN_FLIGHT = 2;

export function useMessagePages(source: ListSource | null): MessagePages {
  const [total, setTotal] = useState<number | null>(null);
  const [matches, setMatches] = useState<number | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [version, setVersion] = useState(0);
  const pages = useRef(new Map<number, MessageSummary[]>());
  const loading = useRef(new Set<number>());
  /** Answers to an older generation (another folder, before a reload) are dropped. */
  const generation = useRef(0);
  const range = useRef<[number, number]>([0, PAGE_SIZE - 1]);
  /** After a reload, the old rows stay visible until the first new page replaces them. */
  const stale = useRef(false);
  const key = source ? JSON.stringify(source) : '';
  const sourceRef = useRef(source);
  sourceRef.current = source;
  /** ensure(), for fetchPage to continue with what is in view when a page arrives. */
  const next = useRef<() => void>(() => undefined);

  const fetchPage = useCallback((offset: number) => {
    const src = sourceRef.current;
    if (!src || src.search || loading.current.has(offset)) return;
    const gen = generation.current;
    loading.current.add(offset);
    void getApi()
      .mail.list({ accountId: src.accountId, folder: src.folder, offset, limit: PAGE_SIZE })
      .then((result) => {
        if (gen !== generation.current) return;
        loading.current.delete(offset);
        if (!result.ok) {
          setError(result.error);
          return;
        }
        if (stale.current) {
          pages.current = new Map();
          stale.current = false;
        }
        pages.current.set(offset, result.value.messages);
        setError(null);
        setTotal(result.value.total);
        setVersion((v) => v + 1);
        next.current();
      });
  }, []);

  const runSearch = useCallback(() => {
    const src = sourceRef.current;
    if (!src?.search) return;
    const gen = generation.current;
    void getApi()
      .mail.search({ accountId: src.accountId, folder: src.folder, query: src.search.query, field: src.search.field, limit: SEARCH_LIMIT })
      .then((result) => {
        if (gen !== generation.current) return;
        if (!result.ok) {
          setError(result.error);
          setTotal(0);
          return;
        }
        const map = new Map<number, MessageSummary[]>();
        const list = result.value.messages;
        for (let offset = 0; offset < list.length; offset += PAGE_SIZE) map.set(offset, list.slice(offset, offset + PAGE_SIZE));
        pages.current = map;
        stale.current = false;
        setError(null);
        setTotal(list.length);
        setMatches(result.value.total > list.length ? result.value.total : null);
        setVersion((v) => v + 1);
      });
  }, []);

  const ensure = useCallback(
    (first: number, last: number) => {
      range.current = [first, last];
      if (sourceRef.current?.search) return;
      for (let offset = pageOf(Math.max(0, first)); offset <= Math.max(0, last); offset += PAGE_SIZE) {
        if (loading.current.size >= MAX_IN_FLIGHT) break;
        if (stale.current || !pages.current.has(offset)) fetchPage(offset);
      }
    },
    [fetchPage],
  );
  next.current = () => ensure(...range.current);

  const reload = useCallback(() => {
    generation.current += 1;
    loading.current = new Set();
    stale.current = true;
    if (sourceRef.current?.search) runSearch();
    else {
      const [first, last] = range.current;
      for (let offset = pageOf(Math.max(0, first)); offset <= Math.max(0, last); offset += PAGE_SIZE) fetchPage(offset);
    }
  }, [fetchPage, runSearch]);

  useEffect(() => {
    generation.current += 1;
    pages.current = new Map();
    loading.current = new Set();
    stale.current = false;
    range.current = [0, PAGE_SIZE - 1];
    setTotal(null);
    setMatches(null);
    setError(null);
    setVersion((v) => v + 1);
    if (!key) return;
    if (sourceRef.current?.search) runSearch();
    else fetchPage(0);
  }, [key, fetchPage, runSearch]);

  const row = useCallback((index: number) => pages.current.get(pageOf(index))?.[index - pageOf(index)], []);

  const patch = useCallback((uid: number, change: Partial<MessageSummary>) => {
    for (const [offset, list] of pages.current) {
      const i = list.findIndex((m) => m.uid === uid);
      if (i >= 0) {
        const next = [...list];
        next[i] = { ...list[i]!, ...change };
        pages.current.set(offset, next);
      }
    }
    setVersion((v) => v + 1);
  }, []);

  return { total, matches, error, row, ensure, reload, patch, version };
}
