// What the screens call each section's records, in running text ("Add a TOP", "New episode").
import type { Section } from "../bindings/Section";

export const SECTION_NAME: Record<Section, string> = {
  client: "client",
  episode: "episode",
  intervention: "intervention",
  sir: "sub-intervention review",
  top: "TOP",
  ypor: "YPOR",
  cir: "client information review",
};
