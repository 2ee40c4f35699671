// Progress of a batch for the CLIs: a redrawn bar on a terminal, plain lines otherwise (CI logs, pipes).

export interface Progress {
  done(line: string): void;
  finish(): void;
}

export function createProgress(total: number, out: NodeJS.WriteStream): Progress {
  let count = 0;
  const width = 30;
  if (!out.isTTY) {
    return {
      done(line) {
        count++;
        out.write(`[${count}/${total}] ${line}\n`);
      },
      finish() {},
    };
  }
  const draw = (last: string): void => {
    const filled = total === 0 ? width : Math.round((count / total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const room = Math.max(10, (out.columns ?? 80) - width - 16);
    out.write(`\r\x1b[2K${bar} ${count}/${total} ${last.slice(0, room)}`);
  };
  return {
    done(line) {
      count++;
      // Failures stay on screen; the bar is redrawn below them.
      if (/FAILED|GONE/.test(line)) out.write(`\r\x1b[2K${line}\n`);
      draw(line);
    },
    finish() {
      if (total > 0) out.write('\n');
    },
  };
}
