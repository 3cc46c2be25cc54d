import { provideHttpClient } from '@angular/common/http';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { ActivatedRoute, provideRouter } from '@angular/router';
import type { Image } from '@velociraptor/domain';
import { BehaviorSubject } from 'rxjs';
import { ImagesApi } from '../images/images-api';
import { LOG_TRANSPORT } from './log-transport';
import { LogViewPage, lineFromFragment } from './log-view.page';
import { FakeTransport } from './testing/fake-log-transport';

const image: Image = {
  id: 'img-1',
  stackId: 'stack-1',
  stackName: 'base',
  name: 'base_20260101_1',
  status: 'running',
  snapshot: {
    baseImageUrl: '/x.tar',
    baseImageChecksum: null,
    script: 'true',
    env: {},
    timeoutSeconds: 60,
    network: 'host',
  },
  triggeredBy: 'alice',
  queuedAt: '2026-01-01T00:00:00Z',
  startedAt: '2026-01-01T00:00:01Z',
  finishedAt: null,
  size: null,
  md5: null,
  sha256: null,
  storageKey: null,
  logKey: null,
  active: false,
  errorMessage: null,
};

/** Lets the animation-frame batching run and Angular render. */
async function settle(fixture: ComponentFixture<LogViewPage>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 40));
  await fixture.whenStable();
}

function renderedLines(fixture: ComponentFixture<LogViewPage>): string[] {
  return Array.from(
    (fixture.nativeElement as HTMLElement).querySelectorAll('.row .text'),
  ).map((el) => el.textContent ?? '');
}

describe('LogViewPage', () => {
  let transport: FakeTransport;
  let fixture: ComponentFixture<LogViewPage>;
  const fragment = new BehaviorSubject<string | null>(null);

  beforeEach(async () => {
    transport = new FakeTransport();
    transport.connected = true;
    TestBed.configureTestingModule({
      imports: [LogViewPage],
      providers: [
        provideRouter([]),
        provideHttpClient(),
        { provide: LOG_TRANSPORT, useValue: transport },
        {
          provide: ActivatedRoute,
          useValue: { fragment, snapshot: { fragment: fragment.value } },
        },
        {
          provide: ImagesApi,
          useValue: {
            get: () => Promise.resolve(image),
            logUrl: (id: string) => `/api/images/${id}/log`,
            log: () => Promise.resolve(''),
          },
        },
      ],
    });
    fixture = TestBed.createComponent(LogViewPage);
    fixture.componentRef.setInput('name', 'base');
    fixture.componentRef.setInput('id', 'img-1');
    await settle(fixture);
  });

  afterEach(() => fixture.destroy());

  it('subscribes to the image log and renders lines with ANSI colours stripped into styles', async () => {
    expect(transport.subscriptions).toEqual([
      { imageId: 'img-1', afterSeq: 0 },
    ]);
    transport.lines('img-1', 1, ['\u001b[31mred\u001b[0m', 'plain']);
    await settle(fixture);
    expect(renderedLines(fixture)).toEqual(['red', 'plain']);
    const red = (fixture.nativeElement as HTMLElement).querySelector(
      '.row .text span',
    ) as HTMLElement;
    expect(red.style.color).toBe('var(--ansi-1)');
    expect((fixture.nativeElement as HTMLElement).textContent).toContain(
      'base_20260101_1',
    );
  });

  it('resumes after a reconnect without duplicating lines', async () => {
    transport.lines('img-1', 1, ['1', '2']);
    transport.disconnect();
    transport.connect();
    expect(transport.subscriptions.at(-1)).toEqual({
      imageId: 'img-1',
      afterSeq: 2,
    });
    transport.lines('img-1', 1, ['1', '2', '3']);
    await settle(fixture);
    expect(renderedLines(fixture)).toEqual(['1', '2', '3']);
  });

  it('keeps only a window of a 200,000-line log in the DOM', async () => {
    for (let seq = 1; seq <= 200_000; seq += 1000) {
      transport.lines(
        'img-1',
        seq,
        Array.from({ length: 1000 }, (_, i) => `line ${seq + i}`),
      );
    }
    await settle(fixture);
    const rows = renderedLines(fixture);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(200);
    expect((fixture.nativeElement as HTMLElement).textContent).toContain(
      '200000 lines',
    );
  });

  it('counts search matches and shows them', async () => {
    transport.lines('img-1', 1, ['error one', 'fine', 'ERROR two']);
    await settle(fixture);
    const input = (fixture.nativeElement as HTMLElement).querySelector(
      '#log-search',
    ) as HTMLInputElement;
    input.value = 'error';
    input.dispatchEvent(new Event('input'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await settle(fixture);
    expect(
      (fixture.nativeElement as HTMLElement)
        .querySelector('.count')
        ?.textContent?.trim(),
    ).toBe('1 of 2 lines');
    expect(
      (fixture.nativeElement as HTMLElement).querySelectorAll('.match'),
    ).toHaveLength(2);
  });

  it('unsubscribes when the page closes', () => {
    fixture.destroy();
    expect(transport.unsubscribed).toEqual(['img-1']);
  });
});

describe('lineFromFragment', () => {
  it('reads #L<n> fragments only', () => {
    expect(lineFromFragment('L123')).toBe(123);
    expect(lineFromFragment('l1')).toBeNull();
    expect(lineFromFragment(null)).toBeNull();
  });
});
