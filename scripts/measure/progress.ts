/**
 * Progress of a run on stderr: a bar redrawn in place on a terminal, plain
 * lines (a phase change, each tenth of the run) anywhere else.
 */
import type { WorkloadProgress } from "./workload";

/** Something a run reports its progress to. */
export interface ProgressDisplay {
  update(progress: WorkloadProgress): void;
  /** Ends the display (a terminal's bar gets its line break). */
  finish(): void;
}

const BAR_WIDTH = 30;

function describe(p: WorkloadProgress): string {
  switch (p.phase) {
    case "seed":
      return `writing the keys for the first time: ${p.done}/${p.total}`;
    case "settle":
      return "waiting for replication to reach every region";
    case "run":
      return `${p.done}/${p.total} operations, ${p.inFlight} in flight, ${p.polling} writes polled for visibility`;
    case "drain":
      return `waiting for ${p.inFlight} operations and ${p.polling} visibility polls`;
  }
}

/**
 * A display for `stream`: in place when it is a terminal (at most ten
 * redraws a second), else a line per phase and per tenth of the run.
 */
export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastPhase = "";
  let lastTenth = -1;
  let drawn = false;
  return {
    update(p) {
      const now = performance.now();
      if (tty) {
        if (p.phase === lastPhase && now - lastDraw < 100) return;
        lastDraw = now;
        lastPhase = p.phase;
        const share = p.phase === "run" || p.phase === "drain" ? (p.total ? p.done / p.total : 1) : 0;
        const filled = Math.round(share * BAR_WIDTH);
        const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${String(Math.round(share * 100)).padStart(3)}%`;
        stream.write(`\r\x1b[K${bar} ${describe(p)}`);
        drawn = true;
        return;
      }
      const tenth = p.phase === "run" && p.total ? Math.floor((p.done / p.total) * 10) : -1;
      if (p.phase === lastPhase && tenth === lastTenth) return;
      if (p.phase === "drain" && lastPhase === "drain") return;
      lastPhase = p.phase;
      lastTenth = tenth;
      stream.write(`${p.phase === "run" ? `${tenth * 10}%: ` : ""}${describe(p)}\n`);
    },
    finish() {
      if (tty && drawn) stream.write("\n");
    },
  };
}
