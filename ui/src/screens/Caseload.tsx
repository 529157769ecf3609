import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { CaseloadFilter } from "../bindings/CaseloadFilter";
import type { CaseloadRow } from "../bindings/CaseloadRow";
import type { ConsentStatus } from "../bindings/ConsentStatus";
import { commands } from "../bindings/commands";
import { ErrorSummary, sentence } from "../components/ErrorSummary";
import { asAppError } from "../data";

const PAGE = 100;
const ROW_HEIGHT = 44;

const FILTERS: readonly { filter: CaseloadFilter; label: string }[] = [
  { filter: "open", label: "Open episodes" },
  { filter: "discharged", label: "Discharged" },
  { filter: "all", label: "All clients" },
];

const CONSENT: Record<ConsentStatus, string> = {
  given: "Consent given",
  refused: "Consent refused",
  withdrawn: "Consent withdrawn",
};

/** Typing in a field (other than the search) keeps its keys; elsewhere "/" and "n" are shortcuts. */
function typingElsewhere(e: globalThis.KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

/**
 * The keyworker's home: every client, searched by the core as they type. Keyboard: "/" to search,
 * arrows to move, Enter to open, "n" for a new client. The list is virtualised: only the rows in
 * view are in the page, and further rows are asked for as it scrolls.
 */
export function Caseload({ done }: { done?: string | undefined }) {
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [filter, setFilter] = useState<CaseloadFilter>("open");
  const [mine, setMine] = useState(false);
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);

  const list = useInfiniteQuery({
    queryKey: ["caseload", text, filter, mine],
    queryFn: ({ pageParam }) => commands.caseload({ text, filter, mine, offset: pageParam, limit: PAGE }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.rows.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
  const rows: CaseloadRow[] = list.data?.pages.flatMap((p) => p.rows) ?? [];
  const first = list.data?.pages[0];
  const total = first?.total ?? 0;
  const columns = first?.columns ?? [];

  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtual.getVirtualItems();
  const lastShown = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastShown >= rows.length - 20 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [lastShown, rows.length, list]);
  useEffect(() => setActive(0), [text, filter, mine]);

  const open = (row: CaseloadRow | undefined) => {
    if (row) void navigate({ to: "/clients/$reference", params: { reference: row.reference } });
  };
  const move = (to: number) => {
    const i = Math.max(0, Math.min(rows.length - 1, to));
    setActive(i);
    virtual.scrollToIndex(i, { align: "auto" });
  };
  const onKeys = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") move(active + 1);
    else if (e.key === "ArrowUp") move(active - 1);
    else if (e.key === "PageDown") move(active + 10);
    else if (e.key === "PageUp") move(active - 10);
    else if (e.key === "Enter") open(rows[active]);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const shortcut = (e: globalThis.KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingElsewhere(e)) return;
      if (e.key === "/") {
        e.preventDefault();
        search.current?.focus();
      } else if (e.key === "n") {
        e.preventDefault();
        void navigate({ to: "/clients/new" });
      }
    };
    window.addEventListener("keydown", shortcut);
    return () => window.removeEventListener("keydown", shortcut);
  }, [navigate]);

  const error = asAppError(list.error);
  const activeId = rows[active] ? `client-${active}` : undefined;
  return (
    <section aria-labelledby="caseload-title" data-testid="caseload">
      <ErrorSummary problems={error ? [{ field: null, message: sentence(error.message) }] : []} />
      {done && (
        <div className="panel-confirm" role="status" data-testid="caseload-confirm">
          {done}
        </div>
      )}
      <h1 id="caseload-title">Caseload</h1>
      <div className="caseload-tools">
        <div className="field">
          <label htmlFor="caseload-search">Find a client</label>
          <p className="hint" id="caseload-search-hint">
            Client reference, initials or date of birth (dd/mm/yyyy). Press / to come here, arrows to choose, Enter to
            open, n for a new client.
          </p>
          <input
            id="caseload-search"
            ref={search}
            type="search"
            value={text}
            autoFocus
            autoComplete="off"
            spellCheck={false}
            role="combobox"
            aria-expanded="true"
            aria-controls="caseload-list"
            aria-activedescendant={activeId}
            aria-describedby="caseload-search-hint"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeys}
          />
        </div>
        <fieldset className="inline">
          <legend>Show</legend>
          {FILTERS.map((f) => (
            <label key={f.filter} className="choice">
              <input
                type="radio"
                name="caseload-filter"
                value={f.filter}
                checked={filter === f.filter}
                onChange={() => setFilter(f.filter)}
              />
              {f.label}
            </label>
          ))}
          <label className="choice">
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} data-testid="caseload-mine" />
            Only my clients
          </label>
        </fieldset>
      </div>
      <p role="status" data-testid="caseload-count">
        {first ? `${total.toLocaleString("en-GB")} of ${first.clients.toLocaleString("en-GB")} clients` : "Loading…"}
      </p>
      <div className="caseload-head" aria-hidden="true" style={{ "--attributors": columns.length } as React.CSSProperties}>
        <span>Client</span>
        {columns.map((c) => (
          <span key={c}>{c}</span>
        ))}
        <span>Age</span>
        <span>Open episode</span>
        <span>Consent</span>
        <span>Keyworker</span>
      </div>
      <div className="caseload-scroll" ref={scroller}>
        <ul
          id="caseload-list"
          role="listbox"
          aria-label="Clients"
          tabIndex={0}
          aria-activedescendant={activeId}
          onKeyDown={onKeys}
          style={{ height: virtual.getTotalSize(), position: "relative" }}
        >
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <li
                key={row.reference}
                id={`client-${item.index}`}
                role="option"
                aria-selected={item.index === active}
                data-testid="caseload-row"
                className={item.index === active ? "caseload-row active" : "caseload-row"}
                style={
                  {
                    position: "absolute",
                    top: 0,
                    transform: `translateY(${item.start}px)`,
                    height: ROW_HEIGHT,
                    "--attributors": columns.length,
                  } as React.CSSProperties
                }
                onClick={() => {
                  setActive(item.index);
                  open(row);
                }}
              >
                <span className="ref">{row.reference}</span>
                {row.attributors.map((a, i) => (
                  <span key={columns[i] ?? i}>{a}</span>
                ))}
                <span>{row.age ?? ""}</span>
                <span>{row.open_episode ? `since ${row.open_episode.start}` : row.episodes ? "discharged" : "no episode yet"}</span>
                <span>{row.consent ? CONSENT[row.consent] : "not recorded"}</span>
                <span>
                  {row.draft ? <span className="tag due">draft</span> : null} {row.keyworker ?? ""}
                </span>
              </li>
            );
          })}
        </ul>
      </div>
      {first && total === 0 && <p data-testid="caseload-empty">No client matches. Check the spelling, or show all clients.</p>}
    </section>
  );
}
