import { Component, type ReactNode } from 'react';

/**
 * Keeps one part of the window failing on its own: a render error below shows `fallback` (or a
 * plain notice) instead of blanking the whole app. Changing `resetKey` (another message, another
 * view) tries again.
 */
export class ErrorBoundary extends Component<{ resetKey: string; fallback?: ReactNode; children: ReactNode }, { failedFor: string | null }> {
  override state: { failedFor: string | null } = { failedFor: null };

  static getDerivedStateFromError(): { failedFor: string } {
    // The key is filled in by componentDidCatch; a non-null value marks the failure at once.
    return { failedFor: '' };
  }

  override componentDidCatch(): void {
    this.setState({ failedFor: this.props.resetKey });
  }

  override render(): ReactNode {
    const { failedFor } = this.state;
    if (failedFor !== null && (failedFor === '' || failedFor === this.props.resetKey)) {
      return (
        this.props.fallback ?? (
          <div className="notice notice--error" role="alert">
            <p className="notice__title">This part of Mailwright could not be shown.</p>
            <p>Choose something else, or restart Mailwright if it keeps happening.</p>
          </div>
        )
      );
    }
    return this.props.children;
  }
}
