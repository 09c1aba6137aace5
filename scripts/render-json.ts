/** The `kiln render --json` document (DESIGN.md contract). */
import type { Rendered } from '../images/render.ts';

export function renderJson(r: Rendered, out: string | null) {
  const { tier, tuned, distro, s, r: reasons } = r.context;
  return {
    tier: tier.name,
    ramMiB: tier.ramMiB,
    vcpus: tier.vcpus,
    distro: distro.id,
    budget: {
      osReserveMiB: tuned.budget.osReserveMiB,
      ceilingMiB: tuned.budget.ceilingMiB,
      components: tuned.budget.components,
      headroomMiB: tuned.budget.headroomMiB,
      formulas: tuned.budget.formulas,
    },
    settings: s,
    reasons,
    files: r.manifest,
    imageHash: r.imageHash,
    renderHash: r.renderHash,
    out,
  };
}
