import '#shared/zod-locale';
import * as z from 'zod/mini';
import { nameSchema, textSchema } from '#shared/validation';

/** A named, ordered list of stages. `default` exists from the start and can be redefined. */
export interface Journey {
  name: string;
  stages: string[];
  builtIn: boolean;
  /** Conversion events that complete the journey (`purchase`, …): the funnel ends in one step per goal. */
  goals: string[];
  /** What the journey is for, as its owner wrote it; null when none was given. */
  description: string | null;
  updatedAt: string | null;
}

export const DEFAULT_JOURNEY: Journey = {
  name: 'default',
  stages: ['awareness', 'consideration', 'decision', 'retention', 'advocacy'],
  builtIn: true,
  goals: [],
  description: null,
  updatedAt: null,
};

export const MAX_STAGES = 20;
export const MAX_GOALS = 5;

export const putJourneySchema = z.strictObject({
  stages: z.array(nameSchema('stage')).check(
    z.minLength(1, 'a journey needs at least one stage'),
    z.maxLength(MAX_STAGES, `a journey has at most ${MAX_STAGES} stages`),
    z.refine((stages) => new Set(stages).size === stages.length, 'stages must be distinct'),
  ),
  goals: z.optional(
    z.array(nameSchema('event')).check(
      z.maxLength(MAX_GOALS, `a journey has at most ${MAX_GOALS} goals`),
      z.refine((goals) => new Set(goals).size === goals.length, 'goals must be distinct'),
    ),
  ),
  description: z.optional(textSchema(0, 500, { lines: true })),
});
export type PutJourneyInput = z.infer<typeof putJourneySchema>;

export const journeyNameSchema = nameSchema('journey');

export interface JourneyTouchpoint {
  journey: string;
  touchpoint: string;
  stage: string;
  /** Active links currently tagged with this touchpoint. */
  links: number;
}

/** The funnel step of a journey goal, as its stage counters name it (stage names cannot contain ':'). */
export const goalStep = (event: string) => `goal:${event}`;
