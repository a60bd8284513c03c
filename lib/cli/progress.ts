/** Progress on stderr for long work: a redrawn bar when stderr is a terminal, a few plain lines otherwise. */

export interface Progress {
  update(done: number): void;
  finish(): void;
}

const WIDTH = 30;

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  let lastShown = -1;
  let lastDraw = 0;
  const start = Date.now();
  const draw = (done: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 80 && done < total) return;
      lastDraw = now;
      const filled = Math.round(fraction * WIDTH);
      const eta = done > 0 && done < total ? ` eta ${(((now - start) / done) * (total - done) / 1000).toFixed(0)}s` : '';
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total}${eta}\x1b[K`);
    } else {
      // Plain lines at every quarter, so logs stay short.
      const quarter = Math.floor(fraction * 4);
      if (quarter === lastShown) return;
      lastShown = quarter;
      stream.write(`${label}: ${done}/${total}\n`);
    }
  };
  return {
    update: draw,
    finish() {
      draw(total);
      if (tty) stream.write('\n');
    },
  };
}
