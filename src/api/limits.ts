/** A request body Podio would take is far smaller: anything past this is a mistake, not data to hold in memory. */
export const MAX_BODY_INPUT_BYTES = 16 * 1024 * 1024;
