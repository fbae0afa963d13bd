// A ball moved by requestAnimationFrame, a frames-per-second readout and a graph of frame times.
// A CSS animation would keep moving on the compositor even with the page's thread blocked; this one is
// driven from the main thread, so it stutters exactly when the main thread is busy.

export interface FrameMeterElements {
  /** Carries `data-frames`: frames drawn since the page loaded. */
  root: HTMLElement;
  track: HTMLElement;
  ball: HTMLElement;
  fps: HTMLElement;
  longest: HTMLElement;
  graph: HTMLCanvasElement;
}

/** Frame times kept for the graph: a few seconds' worth at 60 Hz. */
const HISTORY = 240;
const READOUT_EVERY_MS = 500;
/** The graph's full height, in milliseconds of frame time. */
const GRAPH_MAX_MS = 100;

export function startFrameMeter(el: FrameMeterElements): void {
  const frameTimes = new Float32Array(HISTORY);
  let head = 0;
  let frames = 0;
  let last = performance.now();
  let windowStart = last;
  let windowFrames = 0;
  let windowLongest = 0;
  let travel = 0;

  const measure = () => (travel = Math.max(0, el.track.clientWidth - el.ball.offsetWidth));
  new ResizeObserver(measure).observe(el.track);
  measure();

  const g = el.graph.getContext('2d');

  const tick = (now: number) => {
    const dt = now - last;
    last = now;
    frames++;
    windowFrames++;
    windowLongest = Math.max(windowLongest, dt);
    frameTimes[head] = dt;
    head = (head + 1) % HISTORY;
    el.root.dataset.frames = String(frames);

    // Position from the clock, not from the frame count: a blocked thread shows as a jump.
    const phase = (Math.sin(now / 450) + 1) / 2;
    el.ball.style.transform = `translateX(${(phase * travel).toFixed(1)}px)`;

    if (now - windowStart >= READOUT_EVERY_MS) {
      const fps = (windowFrames * 1000) / (now - windowStart);
      el.fps.textContent = fps.toFixed(0);
      el.longest.textContent = windowLongest.toFixed(0);
      el.root.dataset.fps = fps.toFixed(1);
      el.root.dataset.slow = String(windowLongest > 50);
      windowStart = now;
      windowFrames = 0;
      windowLongest = 0;
    }
    if (g) drawGraph(g, el.graph, frameTimes, head);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function drawGraph(g: CanvasRenderingContext2D, canvas: HTMLCanvasElement, times: Float32Array, head: number): void {
  const { width, height } = canvas;
  g.clearRect(0, 0, width, height);
  const barWidth = width / HISTORY;
  for (let i = 0; i < HISTORY; i++) {
    const dt = times[(head + i) % HISTORY]!;
    if (dt === 0) continue;
    const h = Math.min(1, dt / GRAPH_MAX_MS) * height;
    g.fillStyle = dt > 50 ? '#dc2626' : dt > 20 ? '#d97706' : '#16a34a';
    g.fillRect(i * barWidth, height - h, Math.max(1, barWidth - 0.5), h);
  }
  // The 60 fps budget, 16.7 ms.
  const budget = height - (16.7 / GRAPH_MAX_MS) * height;
  g.fillStyle = 'rgb(15 23 42 / 0.35)';
  g.fillRect(0, Math.round(budget), width, 1);
}
