#include "app/gui/GradientMeasureSession.h"

#include <c10/util/Exception.h>

#include <QMetaObject>
#include <QPointer>

#include <memory>

namespace rgpb::app {

GradientMeasureSession::GradientMeasureSession(QObject* parent) : QObject(parent) {}

GradientMeasureSession::~GradientMeasureSession() {
    cancel_.store(true);
    join();
}

void GradientMeasureSession::join() {
    if (worker_.joinable())
        worker_.join();
}

void GradientMeasureSession::cancel() {
    cancel_.store(true);
}

bool GradientMeasureSession::start(const GradientMeasureRequest& request) {
    if (running_)
        return false;
    join();  // a finished worker that was not joined yet
    cancel_.store(false);
    running_ = true;
    QPointer<GradientMeasureSession> self(this);
    worker_ = std::thread([this, self, request] {
        auto post = [self](auto fn) {
            QMetaObject::invokeMethod(
                self.data(),
                [self, fn] {
                    if (self)
                        fn(self.data());
                },
                Qt::QueuedConnection);
        };
        try {
            auto result = std::make_shared<GradientMeasureResult>(measureGradients(
                request,
                [post](std::size_t done, std::size_t total) {
                    post([done, total](GradientMeasureSession* s) {
                        Q_EMIT s->progress(static_cast<qint64>(done), static_cast<qint64>(total));
                    });
                },
                &cancel_));
            post([result](GradientMeasureSession* s) {
                s->running_ = false;
                Q_EMIT s->finished(*result);
            });
        } catch (const c10::Error& e) {
            QString m = QString("LibTorch error: %1").arg(e.what_without_backtrace());
            post([m](GradientMeasureSession* s) {
                s->running_ = false;
                Q_EMIT s->failed(m);
            });
        } catch (const std::exception& e) {
            QString m = QString::fromStdString(e.what());
            post([m](GradientMeasureSession* s) {
                s->running_ = false;
                Q_EMIT s->failed(m);
            });
        }
    });
    return true;
}

}  // namespace rgpb::app
