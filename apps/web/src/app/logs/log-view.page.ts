import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { isFinished, type Image } from '@velociraptor/domain';
import { ApiError, toApiError } from '../core/api-error';
import { formatElapsed } from '../core/format';
import { SocketService } from '../core/socket.service';
import { ImagesApi } from '../images/images-api';
import { ErrorState } from '../shared/error-state';
import { StatusBadge } from '../shared/status-badge';
import { styleToCss } from './ansi';
import { LogSearch, markMatches } from './log-search';
import { LogStream, type LogStreamState } from './log-stream';
import { LOG_TRANSPORT } from './log-transport';

/** Fixed row height in px: virtual scrolling maps scrollTop to a line index with it. */
export const ROW_HEIGHT = 20;
/** Rows rendered above and below the visible ones, so fast scrolling shows no blank flashes. */
const OVERSCAN = 30;
/** Height assumed before layout (and in tests, where nothing has a size). */
const FALLBACK_VIEWPORT_HEIGHT = 600;

interface RowSegment {
  text: string;
  css: Record<string, string>;
  match: boolean;
}

interface LogRow {
  index: number;
  seq: number;
  segments: RowSegment[];
  time: string;
  selected: boolean;
  currentMatch: boolean;
}

interface Range {
  start: number;
  end: number;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});

/** Parses `#L123` into 123. */
export function lineFromFragment(fragment: string | null): number | null {
  const match = /^L(\d+)$/.exec(fragment ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * A build's log, live. Lines live in the LogStream's buffer (plain arrays); Angular only renders
 * the rows in view. New lines are coalesced into one update per animation frame.
 */
@Component({
  selector: 'vr-log-view-page',
  imports: [RouterLink, StatusBadge, ErrorState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './log-view.page.html',
  styleUrl: './log-view.page.css',
})
export class LogViewPage {
  private readonly transport = inject(LOG_TRANSPORT);
  private readonly imagesApi = inject(ImagesApi);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected readonly socket = inject(SocketService);

  readonly name = input.required<string>();
  readonly id = input.required<string>();

  protected readonly image = signal<Image | null>(null);
  protected readonly imageError = signal<ApiError | null>(null);
  protected readonly streamState = signal<LogStreamState>({
    ended: false,
    endStatus: null,
    truncated: false,
    error: null,
  });
  protected readonly total = signal(0);
  protected readonly following = signal(true);
  protected readonly showTimes = signal(false);
  protected readonly selectedSeq = signal<number | null>(null);
  protected readonly searchQuery = signal('');
  protected readonly searchCount = signal(0);
  protected readonly searchCurrent = signal(-1);
  protected readonly savedLogError = signal<string | null>(null);
  protected readonly now = signal(Date.now());
  private readonly range = signal<Range>(
    { start: 0, end: 0 },
    { equal: (a, b) => a.start === b.start && a.end === b.end },
  );
  /** Bumped when the buffer changed; the buffer itself is not reactive. */
  private readonly version = signal(0);

  private readonly viewport = viewChild<ElementRef<HTMLElement>>('viewport');
  private readonly spacer = viewChild<ElementRef<HTMLElement>>('spacer');

  private stream: LogStream | null = null;
  private readonly search = new LogSearch();
  private frame: number | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  /** A `#L` line still waiting to arrive before we can scroll to it. */
  private pendingJump: number | null = null;
  protected readonly pagePath = computed(
    () =>
      `/stacks/${encodeURIComponent(this.name())}/images/${encodeURIComponent(this.id())}/log`,
  );
  protected readonly logUrl = computed(() => this.imagesApi.logUrl(this.id()));
  protected readonly elapsed = computed(() => {
    const image = this.image();
    return image
      ? formatElapsed(image.startedAt, image.finishedAt, this.now())
      : '—';
  });
  protected readonly finished = computed(() => {
    const image = this.image();
    return (
      (image !== null && isFinished(image.status)) || this.streamState().ended
    );
  });

  protected readonly rows = computed<LogRow[]>(() => {
    this.version();
    const stream = this.stream;
    if (!stream) return [];
    const { start, end } = this.range();
    const query = this.searchQuery();
    const selected = this.selectedSeq();
    const currentMatchLine =
      this.searchCurrent() >= 0 ? this.search.currentLine : -1;
    const withTimes = this.showTimes();
    const rows: LogRow[] = [];
    for (
      let index = start;
      index < Math.min(end, stream.buffer.length);
      index++
    ) {
      const segments = markMatches(
        stream.buffer.styledLine(index).segments,
        query,
      ).map((segment) => ({
        text: segment.text,
        css: styleToCss(segment.style),
        match: segment.match,
      }));
      rows.push({
        index,
        seq: index + 1,
        segments,
        time: withTimes
          ? timeFormat.format(stream.buffer.receivedTime(index))
          : '',
        selected: selected === index + 1,
        currentMatch: currentMatchLine === index,
      });
    }
    return rows;
  });

  protected readonly rowHeight = ROW_HEIGHT;

  constructor() {
    const destroyRef = inject(DestroyRef);
    effect(() => {
      const id = this.id();
      untracked(() => this.open(id));
    });
    const events = this.socket.dashboardEvents.subscribe((event) => {
      if (event.type !== 'progress' && event.image.id === this.id())
        this.image.set(event.image);
    });
    const fragments = this.route.fragment.subscribe((fragment) => {
      const seq = lineFromFragment(fragment);
      if (seq !== null) this.jumpToLine(seq);
    });
    const timer = setInterval(() => {
      if (!this.finished()) this.now.set(Date.now());
    }, 1000);
    destroyRef.onDestroy(() => {
      events.unsubscribe();
      fragments.unsubscribe();
      clearInterval(timer);
      this.stream?.stop();
      if (this.frame !== null) cancelFrame(this.frame);
      if (this.searchTimer !== null) clearTimeout(this.searchTimer);
    });
  }

  protected async loadImage(id = this.id()): Promise<void> {
    this.imageError.set(null);
    try {
      this.image.set(await this.imagesApi.get(id));
    } catch (error) {
      this.imageError.set(toApiError(error));
    }
  }

  private open(id: string): void {
    this.stream?.stop();
    this.total.set(0);
    this.search.clear();
    this.searchCount.set(0);
    this.searchCurrent.set(-1);
    this.image.set(null);
    void this.loadImage(id);
    const stream = new LogStream(this.transport, id, () =>
      this.scheduleRender(),
    );
    this.stream = stream;
    this.streamState.set(stream.state);
    const seq = lineFromFragment(this.route.snapshot.fragment);
    if (seq !== null) this.jumpToLine(seq);
    stream.start();
  }

  /** Coalesces any number of batches into one DOM update per frame. */
  private scheduleRender(): void {
    if (this.frame !== null) return;
    this.frame = requestFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  private render(): void {
    const stream = this.stream;
    if (!stream) return;
    const wasEnded = this.streamState().ended;
    this.streamState.set(stream.state);
    if (stream.state.ended && !wasEnded) void this.loadImage();
    const length = stream.buffer.length;
    if (
      this.search.query !== '' &&
      this.search.extend(stream.buffer.plainLines())
    ) {
      this.searchCount.set(this.search.count);
      this.searchCurrent.set(this.search.current);
    }
    this.total.set(length);
    // The spacer is sized imperatively so scrollTop can be set in the same frame.
    const spacer = this.spacer()?.nativeElement;
    if (spacer) spacer.style.height = `${length * ROW_HEIGHT}px`;
    if (this.pendingJump !== null && this.pendingJump <= length) {
      const seq = this.pendingJump;
      this.pendingJump = null;
      this.scrollToIndex(seq - 1);
    } else if (this.following()) {
      const viewport = this.viewport()?.nativeElement;
      if (viewport) viewport.scrollTop = viewport.scrollHeight;
    }
    this.updateRange();
    this.version.update((v) => v + 1);
  }

  protected onScroll(): void {
    const viewport = this.viewport()?.nativeElement;
    if (!viewport) return;
    const atBottom =
      viewport.scrollTop + viewport.clientHeight >=
      viewport.scrollHeight - ROW_HEIGHT * 1.5;
    if (atBottom !== this.following()) this.following.set(atBottom);
    this.updateRange();
  }

  private updateRange(): void {
    const viewport = this.viewport()?.nativeElement;
    const scrollTop = viewport?.scrollTop ?? 0;
    const height = viewport?.clientHeight || FALLBACK_VIEWPORT_HEIGHT;
    const first = Math.floor(scrollTop / ROW_HEIGHT);
    const visible = Math.ceil(height / ROW_HEIGHT);
    this.range.set({
      start: Math.max(0, first - OVERSCAN),
      end: Math.min(this.total(), first + visible + OVERSCAN),
    });
  }

  protected jumpToEnd(): void {
    this.following.set(true);
    const viewport = this.viewport()?.nativeElement;
    if (viewport) viewport.scrollTop = viewport.scrollHeight;
    this.updateRange();
  }

  private scrollToIndex(index: number): void {
    const viewport = this.viewport()?.nativeElement;
    this.following.set(false);
    if (viewport) {
      const height = viewport.clientHeight || FALLBACK_VIEWPORT_HEIGHT;
      viewport.scrollTop = Math.max(
        0,
        index * ROW_HEIGHT - height / 2 + ROW_HEIGHT / 2,
      );
    }
    this.updateRange();
  }

  private jumpToLine(seq: number): void {
    this.selectedSeq.set(seq);
    this.following.set(false);
    if (this.stream && seq <= this.stream.buffer.length)
      this.scrollToIndex(seq - 1);
    else this.pendingJump = seq;
  }

  /** Line-number links keep the URL shareable without a router navigation per click. */
  protected selectLine(event: MouseEvent, seq: number): void {
    if (
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    this.selectedSeq.set(seq);
    this.following.set(false);
    void this.router.navigate([], {
      relativeTo: this.route,
      fragment: `L${seq}`,
      replaceUrl: true,
    });
  }

  protected onSearchInput(value: string): void {
    this.searchQuery.set(value);
    if (this.searchTimer !== null) clearTimeout(this.searchTimer);
    // Searching 200,000 lines takes a moment; wait until typing pauses.
    this.searchTimer = setTimeout(() => this.runSearch(value), 150);
  }

  private runSearch(value: string): void {
    this.searchTimer = null;
    const stream = this.stream;
    if (!stream) return;
    const viewport = this.viewport()?.nativeElement;
    const firstVisible = Math.floor((viewport?.scrollTop ?? 0) / ROW_HEIGHT);
    this.search.setQuery(value, stream.buffer.plainLines(), firstVisible);
    this.searchCount.set(this.search.count);
    this.searchCurrent.set(this.search.current);
    if (this.search.currentLine >= 0)
      this.scrollToIndex(this.search.currentLine);
    this.version.update((v) => v + 1);
  }

  protected onSearchKey(event: KeyboardEvent): void {
    if (event.key === 'Enter') {
      event.preventDefault();
      if (this.searchTimer !== null) {
        clearTimeout(this.searchTimer);
        this.runSearch(this.searchQuery());
        return;
      }
      if (event.shiftKey) this.previousMatch();
      else this.nextMatch();
    } else if (event.key === 'Escape') {
      this.onSearchInput('');
    }
  }

  protected nextMatch(): void {
    this.moveTo(this.search.next());
  }

  protected previousMatch(): void {
    this.moveTo(this.search.previous());
  }

  private moveTo(line: number): void {
    this.searchCurrent.set(this.search.current);
    if (line >= 0) this.scrollToIndex(line);
    this.version.update((v) => v + 1);
  }

  protected toggleTimes(): void {
    this.showTimes.update((show) => !show);
  }

  /** When the live stream is refused, the stored log can still be read over HTTP. */
  protected async loadSavedLog(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    this.savedLogError.set(null);
    try {
      const text = await this.imagesApi.log(this.id());
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      if (lines.length > 0) stream.buffer.append(1, lines);
      this.scheduleRender();
    } catch (error) {
      this.savedLogError.set(toApiError(error).message);
    }
  }
}

function requestFrame(callback: () => void): number {
  if (typeof requestAnimationFrame === 'function')
    return requestAnimationFrame(callback);
  return setTimeout(callback, 16) as unknown as number;
}

function cancelFrame(handle: number): void {
  if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(handle);
  else clearTimeout(handle);
}
