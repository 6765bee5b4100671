import { formatDuration } from '../lib/format.js';
import { formatBytes } from './upload.js';
import type { UploadProgress } from './upload.js';

/** A transfer's bar: bytes so far of the total, the share and the time left at the rate so far. */
export function UploadProgressBar({
  progress,
  testId,
  verb = 'Uploading',
}: {
  progress: UploadProgress;
  testId: string;
  verb?: string;
}) {
  const share = progress.total > 0 ? progress.sent / progress.total : 1;
  return (
    <div
      className="progress"
      data-testid={testId}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(share * 100)}
    >
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
      <div className="progress-text muted">
        <span>
          {verb} {formatBytes(progress.sent)} of {formatBytes(progress.total)} ({Math.round(share * 100)} %)
        </span>
        {progress.secondsLeft !== null && progress.sent < progress.total ? (
          <span>about {formatDuration(progress.secondsLeft)} left</span>
        ) : null}
      </div>
    </div>
  );
}
