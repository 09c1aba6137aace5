/** The `kiln render --json` document, a contract other tools read; written as manifest.json, it is what the image records of itself. */
import type { Rendered } from '../../images/render.ts';
import type { Recipe } from '../../images/web.ts';

/** The recipe as the image records it: a host path of the app's source says nothing on another machine. */
export const recordedRecipe = (recipe: Recipe): Recipe => ({
  ...recipe,
  app: {
    ...recipe.app,
    source:
      recipe.app.source.kind === 'canary'
        ? recipe.app.source
        : { kind: recipe.app.source.kind, path: recipe.app.source.path.split('/').pop()! },
    requirements: recipe.app.requirements === null ? null : 'requirements.txt',
  },
});

export function renderJson(r: Rendered, out: string | null) {
  const { tier, tuned, distro, s, r: reasons, recipe } = r.context;
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
    tierSpec: tier,
    recipe: recordedRecipe(recipe),
    out,
  };
}
