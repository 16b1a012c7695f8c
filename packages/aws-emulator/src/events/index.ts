export {
  eventTime,
  LocalEventBus,
  type EmittedEvent,
  type EventListener,
  type LocalEventBusOptions,
} from './event-bus';
export {
  ParameterChangeObserver,
  type ParameterCall,
  type ParameterChangeObserverOptions,
  type ParameterLookup,
} from './parameter-change-observer';
export {
  isParameterMutation,
  PARAMETER_STORE_CHANGE,
  parameterArn,
  ParameterCatalog,
  parameterChangesOf,
  parameterStoreChangeEvent,
  SSM_EVENT_SOURCE,
  type ParameterChange,
  type ParameterFacts,
  type ParameterOperation,
  type ParameterStoreChangeDetail,
  type ParameterStoreChangeEvent,
} from './parameter-store-change';
export * from './put-events';
