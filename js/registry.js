// RegistryClient: filled in below.
export class RegistryClient {}
