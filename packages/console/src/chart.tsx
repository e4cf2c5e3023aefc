/** One bar segment: a period's value for one series. */
export interface ChartPoint {
  period: string;
  series: string;
  value: number;
}

const PALETTE = [
  '#4f7cff',
  '#ff8a3d',
  '#2fb67c',
  '#d94f8c',
  '#8b6cff',
  '#e0b400',
  '#3cb4d8',
  '#999',
];

/**
 * A stacked bar chart in plain SVG (docs/decisions/0022-activity-rollups.md: a dozen lines of
 * geometry instead of a charting dependency). It scales to its container's width.
 */
export function StackedBars(props: {
  points: readonly ChartPoint[];
  format: (value: number) => string;
  label: string;
}) {
  const periods = [...new Set(props.points.map((point) => point.period))].sort();
  const series = [...new Set(props.points.map((point) => point.series))].sort();
  const totals = periods.map((period) =>
    props.points.filter((point) => point.period === period).reduce((sum, p) => sum + p.value, 0),
  );
  const max = Math.max(...totals, 0);
  const width = 720;
  const height = 240;
  const pad = { left: 8, right: 8, top: 16, bottom: 28 };
  const plotHeight = height - pad.top - pad.bottom;
  const slot = (width - pad.left - pad.right) / Math.max(periods.length, 1);
  const barWidth = Math.max(Math.min(slot * 0.7, 48), 2);
  if (periods.length === 0) return <p className="empty">No usage in this range.</p>;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label}>
        <line
          x1={pad.left}
          x2={width - pad.right}
          y1={height - pad.bottom}
          y2={height - pad.bottom}
          className="axis"
        />
        {periods.map((period, index) => {
          let y = height - pad.bottom;
          const x = pad.left + slot * index + (slot - barWidth) / 2;
          return (
            <g key={period}>
              {series.map((name, seriesIndex) => {
                const value =
                  props.points.find((point) => point.period === period && point.series === name)
                    ?.value ?? 0;
                const barHeight = max === 0 ? 0 : (value / max) * plotHeight;
                y -= barHeight;
                return (
                  <rect
                    key={name}
                    x={x}
                    y={y}
                    width={barWidth}
                    height={barHeight}
                    fill={PALETTE[seriesIndex % PALETTE.length]}
                  >
                    <title>{`${period} · ${name}: ${props.format(value)}`}</title>
                  </rect>
                );
              })}
              {(periods.length <= 12 || index % Math.ceil(periods.length / 12) === 0) && (
                <text x={x + barWidth / 2} y={height - 10} className="tick">
                  {period.length > 10
                    ? `${period.slice(5, 10)} ${period.slice(11)}h`
                    : period.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map((name, index) => (
          <span key={name}>
            <i style={{ background: PALETTE[index % PALETTE.length] }} />
            {name === '' ? '(none)' : name.length > 24 ? `${name.slice(0, 12)}…` : name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
