import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import { DEFAULT_JOURNEY, type Journey, type PutJourneyInput } from './model';
import {
  getJourneyItem,
  getJourneyTouchpoint,
  listJourneyItems,
  listJourneyTouchpoints,
  putJourneyItem,
} from './repository';

export async function findJourney(name: string): Promise<Journey | null> {
  const stored = await getJourneyItem(name);
  if (stored) return stored;
  return name === DEFAULT_JOURNEY.name ? DEFAULT_JOURNEY : null;
}

export async function getJourney(name: string): Promise<Journey> {
  const journey = await findJourney(name);
  if (!journey)
    throw new NotFoundError(`There is no journey '${name}'. Define it with PUT /api/journeys/${name}.`);
  return journey;
}

export async function listJourneys(): Promise<Journey[]> {
  const stored = await listJourneyItems();
  const all = stored.some((j) => j.name === DEFAULT_JOURNEY.name) ? stored : [DEFAULT_JOURNEY, ...stored];
  return all.sort((a, b) => a.name.localeCompare(b.name));
}

/** Checks a link's stage against its journey; used by the links service on create and edit. */
export async function assertStageInJourney(journeyName: string, stage: string): Promise<Journey> {
  const journey = await findJourney(journeyName);
  if (!journey) {
    throw new ValidationError(
      `There is no journey '${journeyName}'. Define it first with PUT /api/journeys/${journeyName}.`,
    );
  }
  if (!journey.stages.includes(stage)) {
    throw new ValidationError(
      `Stage '${stage}' is not a stage of journey '${journeyName}' (${journey.stages.join(' → ')}).`,
      { journey: journeyName, stages: journey.stages },
    );
  }
  return journey;
}

/**
 * A touchpoint serves one stage of its journey: every active link of `spring-poster` is at the same
 * stage, or the funnel could not say where the touchpoint sits. `ownLinks` is how many of the
 * touchpoint's active links are the one being edited (0 or 1).
 */
export async function assertTouchpointStage(
  journey: string,
  touchpoint: string,
  stage: string,
  ownLinks: number,
): Promise<void> {
  const registered = await getJourneyTouchpoint(journey, touchpoint);
  if (registered && registered.links - ownLinks > 0 && registered.stage !== stage) {
    throw new ConflictError(
      `Touchpoint '${touchpoint}' is at stage '${registered.stage}' of journey '${journey}'; a touchpoint serves one stage. Use '${registered.stage}' or another touchpoint name.`,
      { touchpoint, stage: registered.stage, links: registered.links },
    );
  }
}

/**
 * Defines or redefines a journey. Removing a stage that active links still use would orphan them, so
 * that is a 409 naming the touchpoints to move first.
 */
/** Creates or replaces a journey; `created` says which (201 or 200). */
export async function putJourney(
  name: string,
  input: PutJourneyInput,
  now = new Date(),
): Promise<{ journey: Journey; created: boolean }> {
  const touchpoints = await listJourneyTouchpoints(name);
  const orphaned = touchpoints.filter((t) => t.links > 0 && !input.stages.includes(t.stage));
  if (orphaned.length > 0) {
    throw new ConflictError(
      `Stages still used by links cannot be removed: ${[...new Set(orphaned.map((t) => t.stage))].join(', ')}. Move or archive those links first.`,
      { touchpoints: orphaned.map((t) => ({ touchpoint: t.touchpoint, stage: t.stage, links: t.links })) },
    );
  }
  const journey: Journey = {
    name,
    stages: input.stages,
    goals: input.goals ?? [],
    builtIn: false,
    // Stored and returned: it used to be accepted and silently dropped (issue 14).
    description: input.description || null,
    updatedAt: now.toISOString(),
  };
  // The built-in default journey exists before anyone stores it: defining it is a redefinition.
  const created = (await putJourneyItem(journey)) && name !== DEFAULT_JOURNEY.name;
  return { journey, created };
}
