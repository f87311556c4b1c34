using Umbraco.Cms.Core.Events;
using Umbraco.Cms.Core.Notifications;
using Umbraco.Cms.Core.Scoping;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>
/// A model of Umbraco's scopes for the content service model, from Umbraco.Cms.Core 18.3.1 (Umbraco.Core.xml, build
/// 288e7ed) and its source (umbraco/Umbraco-CMS, <c>src/Umbraco.Core/Services/ElementService.cs</c> and
/// <c>PublishableContentServiceBase.cs</c> at 00e4057, which ContentService mirrors):
/// <list type="bullet">
/// <item><c>CreateCoreScope</c> nests in the ambient scope of the async flow; only the outermost scope commits.</item>
/// <item><c>WriteLock(Constants.Locks.ContentTree)</c> is a database lock held until the outermost scope ends: another
/// flow's read or write lock on the tree waits for it (SQL Server's behaviour; every <c>GetById</c>, <c>Save</c> and
/// <c>SaveAndPublish</c> takes one).</item>
/// <item>A scope not completed rolls the whole transaction back, including what nested scopes completed.</item>
/// <item><c>Notifications.PublishCancelable</c> (Saving, Publishing) runs the handlers at once; <c>Publish</c> (Saved,
/// Published) queues the notification and runs it when the outermost scope completes, after the commit
/// (<c>IScopedNotificationPublisher.Publish</c>: "published upon successful completion of the current scope").</item>
/// </list>
/// </summary>
public sealed class UmbracoScopeModel
{
    private readonly AsyncLocal<Scope?> _ambient = new();
    private readonly object _gate = new();
    private Scope? _writer;
    private readonly Dictionary<Scope, int> _readers = new();

    public UmbracoScopeModel()
    {
        Provider = InterfaceStub<ICoreScopeProvider>.Create(("CreateCoreScope", _ => Create().Proxy));
    }

    public ICoreScopeProvider Provider { get; }

    /// <summary>Raises notifications; set once the container exists.</summary>
    public IEventAggregator? Events { get; set; }

    /// <summary>How long the longest wait for the content-tree lock took (a writer waited for another).</summary>
    public TimeSpan LongestLockWait { get; private set; }

    public Scope Create()
    {
        var parent = _ambient.Value;
        var scope = new Scope(this, parent);
        _ambient.Value = scope;
        return scope;
    }

    public sealed class Scope
    {
        private readonly UmbracoScopeModel _model;
        private readonly Scope? _parent;
        private readonly List<Action> _undo = [];
        private readonly List<INotification> _deferred = [];
        private bool _completed;
        private bool _childFailed;
        private bool _disposed;

        internal Scope(UmbracoScopeModel model, Scope? parent)
        {
            _model = model;
            _parent = parent;
            var notifications = InterfaceStub<IScopedNotificationPublisher>.Create(
                ("PublishCancelable", args => PublishCancelable((ICancelableNotification)args[0]!)),
                ("Publish", args =>
                {
                    Root._deferred.Add((INotification)args[0]!);
                    return null;
                }));
            Proxy = InterfaceStub<ICoreScope>.Create(
                ("WriteLock", _ => { WriteLock(); return null; }),
                ("ReadLock", _ => { ReadLock(); return null; }),
                ("Complete", _ => Complete()),
                ("Dispose", _ => { Dispose(); return null; }),
                ("get_Notifications", _ => notifications));
        }

        public ICoreScope Proxy { get; }

        private Scope Root => _parent?.Root ?? this;

        /// <summary>Registers how to undo a change made in this transaction (a rollback runs them newest first).</summary>
        public void OnRollback(Action undo) => Root._undo.Add(undo);

        public void WriteLock() => _model.AcquireWrite(Root);

        public void ReadLock() => _model.AcquireRead(Root);

        public bool Complete()
        {
            _completed = true;
            return !_childFailed;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (_model._ambient.Value != this)
                throw new InvalidOperationException("The scope being disposed is not the ambient scope (Umbraco refuses this too).");
            _model._ambient.Value = _parent;
            if (_parent is not null)
            {
                if (!_completed || _childFailed) _parent._childFailed = true;
                return;
            }
            var commit = _completed && !_childFailed;
            if (!commit)
                for (var i = _undo.Count - 1; i >= 0; i--) _undo[i]();
            _model.Release(this);
            if (commit && _model.Events is { } events)
                foreach (var notification in _deferred)
                    events.PublishAsync(notification).GetAwaiter().GetResult();
        }

        private bool PublishCancelable(ICancelableNotification notification)
        {
            _model.Events?.PublishAsync(notification).GetAwaiter().GetResult();
            return notification.Cancel;
        }
    }

    private void AcquireWrite(Scope root)
    {
        var started = DateTime.UtcNow;
        lock (_gate)
        {
            while (!(_writer is null || _writer == root) || _readers.Keys.Any(r => r != root)) Monitor.Wait(_gate);
            _writer = root;
            Record(started);
        }
    }

    private void AcquireRead(Scope root)
    {
        var started = DateTime.UtcNow;
        lock (_gate)
        {
            while (!(_writer is null || _writer == root)) Monitor.Wait(_gate);
            _readers[root] = _readers.GetValueOrDefault(root) + 1;
            Record(started);
        }
    }

    private void Record(DateTime started)
    {
        var waited = DateTime.UtcNow - started;
        if (waited > LongestLockWait) LongestLockWait = waited;
    }

    private void Release(Scope root)
    {
        lock (_gate)
        {
            if (_writer == root) _writer = null;
            _readers.Remove(root);
            Monitor.PulseAll(_gate);
        }
    }
}
