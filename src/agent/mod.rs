//! Placeholder: the agent.
